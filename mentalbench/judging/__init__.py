"""Judging: a judge's prompts and verdicts, the judging stage, the paper's judges."""


def __getattr__(name: str):
    """The names of the module this package was, for one release (with a DeprecationWarning)."""
    from mentalbench.plugins.moved import old_attribute

    return old_attribute(__name__, name)
