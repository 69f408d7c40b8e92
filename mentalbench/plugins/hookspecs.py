"""The hook specifications of mentalbench: what a plugin may implement."""

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("mentalbench")
hookimpl = HookimplMarker("mentalbench")


@hookspec
def register_models(register):
    """Register model backends: register(name, factory, *, prefix=False, aliases=(), description="")."""


@hookspec
def register_judges(register):
    """Register named judges: register(JudgeSpec, *, aliases=())."""


@hookspec
def register_question_sets(register):
    """Register question sets: register(name, path, *, description="", format=None)."""


@hookspec
def register_rubrics(register):
    """Register rubric folders: register(name, path, *, description="")."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to the mentalbench command line."""


@hookspec
def register_checks(register):
    """Register deterministic answer checks: register(check, *, aliases=())."""


@hookspec
def register_card_sets(register):
    """Register role-card sets for sessions: register(name, path, *, description="")."""


@hookspec
def register_client_templates(register):
    """Register simulated-client template folders: register(name, path, *, description="")."""
