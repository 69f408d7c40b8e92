"""The exceptions mentalbench raises for problems the user can fix."""


class MentalbenchError(Exception):
    """A one-line, user-facing error; the command line prints it and exits with `exit_code`."""

    exit_code = 2


class InputError(MentalbenchError):
    """Bad input: a file, line or field that is not what was expected."""


class EndpointError(MentalbenchError):
    """A model endpoint that every further request would fail against (unreachable, key refused).

    The run stops, keeps what it finished, and exits with status 3 (work left undone).
    """

    exit_code = 3


class RunLocked(InputError):
    """Another mentalbench process holds the run directory."""


class MissingExtra(MentalbenchError):
    """An optional dependency is not installed."""

    def __init__(self, extra: str, what: str, module: str):
        super().__init__(
            f"{what} needs the '{module}' package: pip install 'mentalbench[{extra}]'")
        self.extra = extra


def require(module: str, extra: str, what: str) -> None:
    """Raise MissingExtra unless `module` can be imported (without importing it)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtra(extra, what, module)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: exports written, the invocation closed; the
    command exits 128 + the signal's number (143, 129)."""

    def __init__(self, signum: int):
        import signal

        super().__init__(signal.Signals(signum).name)
        self.signal_name = signal.Signals(signum).name
        self.exit_code = 128 + signum
