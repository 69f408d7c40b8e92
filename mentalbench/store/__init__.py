"""The run store: tables declared by records, schema and migrations, the run folder."""


def __getattr__(name: str):
    """The names of the module this package was, for one release (with a DeprecationWarning)."""
    from mentalbench.plugins.moved import old_attribute

    return old_attribute(__name__, name)
