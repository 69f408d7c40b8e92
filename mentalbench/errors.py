"""The exceptions mentalbench raises for problems the user can fix, and the exit statuses."""

#: Every exit status of the command line and what it means (docs/quickstart.md's table).
EXIT_OK, EXIT_CRASH, EXIT_INPUT, EXIT_UNDONE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_STATUSES = {
    EXIT_OK: "everything in the run's scope was scored",
    EXIT_UNDONE: "the run finished (or an endpoint failing every request stopped it) with "
                 "answers or judgments unscored, failed, unanswered or empty; the summary gives "
                 "the count and the most common cause, and `judgments.jsonl` lists each with its "
                 "status (`--allow-unscored` makes this 0)",
    EXIT_INPUT: "bad input (a file, line or option, named in one line; a mistyped name gets "
                "\"did you mean\"), a missing extra (the line names its `pip install`), or a "
                "store that cannot be written; nothing was written, and a run folder the "
                "command made is removed again",
    EXIT_INTERRUPTED: "interrupted; run the same command again to resume",
    EXIT_CRASH: "a bug: Python's traceback instead of one line (please report it); finished "
                "work is stored",
}


class MentalbenchError(Exception):
    """A one-line, user-facing error; the command line prints it and exits with `exit_code`."""

    exit_code = EXIT_INPUT


class InputError(MentalbenchError):
    """Bad input: a file, line or field that is not what was expected."""


class EndpointError(MentalbenchError):
    """A model endpoint that every further request would fail against (unreachable, key refused).

    The run stops, keeps what it finished, and exits with status 3 (work left undone).
    """

    exit_code = EXIT_UNDONE


class RunLocked(InputError):
    """Another mentalbench process holds the run directory."""


class MissingExtra(MentalbenchError):
    """An optional dependency is not installed."""

    def __init__(self, extra: str, what: str, module: str):
        super().__init__(
            f"{what} needs the '{module}' package: pip install 'mentalbench[{extra}]'")
        self.extra = extra


#: Distributions whose top-level module is not their name with "-" read as "_".
_MODULE_OF = {"google-genai": "google", "scikit-learn": "sklearn", "pillow": "PIL"}


def extra_providing(module: str) -> str | None:
    """The extra whose requirements install the top-level `module` ("" for a core dependency)."""
    import re
    from importlib.metadata import PackageNotFoundError, requires

    try:
        requirements = requires("mentalbench") or []
    except PackageNotFoundError:
        return None
    found = []
    for line in requirements:
        name = re.match(r"[A-Za-z0-9_.-]+", line).group().lower().replace("_", "-")
        if _MODULE_OF.get(name, name.replace("-", "_")) != module:
            continue
        extra = re.search(r"extra\s*==\s*[\"']([^\"']+)[\"']", line)
        found.append(extra.group(1) if extra else "")
    if "" in found:
        return ""
    return next((e for e in found if e != "all"), None)


def missing_module(exc: ModuleNotFoundError, what: str) -> MentalbenchError | None:
    """The one-line error for a third-party module that is not installed (None for our own)."""
    module = (exc.name or "").split(".")[0]
    if not module or module == "mentalbench":
        return None
    extra = extra_providing(module)
    if extra:
        return MissingExtra(extra, what, module)
    fix = ("pip install --force-reinstall mentalbench" if extra == "" else f"pip install {module}")
    return MentalbenchError(f"{what} needs the '{module}' package, which is not installed: {fix}")


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
