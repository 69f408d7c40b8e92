"""The model interface every backend implements, its options, keys and progress."""


def __getattr__(name: str):
    """The names of the module this package was, for one release (with a DeprecationWarning)."""
    from mentalbench.plugins.moved import old_attribute

    return old_attribute(__name__, name)
