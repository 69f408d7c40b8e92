"""Ctrl-C while the command line is still loading: one line and exit 130, not a traceback."""

from __future__ import annotations

import os
import signal
import sys


def _interrupted(signum, frame):  # noqa: ARG001 - a signal handler's signature
    sys.stderr.write("Interrupted while starting: nothing was done.\n")
    sys.stderr.flush()
    os._exit(130)


def is_command() -> bool:
    """Whether this process is the `mentalbench` command (the script, or python -m)."""
    first = sys.argv[0] if sys.argv else ""
    return first == "-m" or os.path.basename(first) in ("mentalbench", "__main__.py")


def guard() -> None:
    """In the command, until a command runs: Ctrl-C ends the process with one line."""
    if not is_command() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return
    try:
        signal.signal(signal.SIGINT, _interrupted)
    except ValueError:  # not the main thread: nothing to guard
        pass


def release() -> None:
    """Ctrl-C raises KeyboardInterrupt again (a command's own handling takes over)."""
    if signal.getsignal(signal.SIGINT) is _interrupted:
        signal.signal(signal.SIGINT, signal.default_int_handler)


guard()  # on import: mentalbench/__init__.py imports this module first
