"""The mentalbench command line: a thin click layer; one module per group of commands."""

from __future__ import annotations

import os
import signal
import sys


def _interrupted_at_start(signum, frame):  # noqa: ARG001 - a signal handler's signature
    sys.stderr.write("Interrupted while starting: nothing was done.\n")
    sys.stderr.flush()
    os._exit(130)


# Ctrl-C while the command line loads (imports, plugins) is one line and exit 130, not a
# traceback; the usual handling takes over once a command runs (Group.invoke).
_STARTING = signal.getsignal(signal.SIGINT) is signal.default_int_handler
if _STARTING:
    signal.signal(signal.SIGINT, _interrupted_at_start)

import sqlite3  # noqa: E402 - after the start-up handler, on purpose

import click  # noqa: E402

from ..errors import MentalbenchError, Terminated  # noqa: E402
from ..plugins import load_plugins, pm  # noqa: E402
from ..version import __version__  # noqa: E402

#: Signals handled like Ctrl-C while a command runs.
_ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                        if hasattr(signal, name))


def _terminate(signum, frame):  # noqa: ARG001 - a signal handler's signature
    raise Terminated(signum)


def _handle_signals() -> dict:
    """Install the handlers a running command uses; returns the ones they replace."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    old = {s: signal.signal(s, _terminate) for s in _ENDING_SIGNALS}
    if signal.getsignal(signal.SIGINT) is _interrupted_at_start:
        old[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
    return old


class Group(click.Group):
    """Turns user-facing errors into one line on stderr and the exit status they carry."""

    def invoke(self, ctx):
        from ..escaping import terminal_text
        from ..registry import get_registry
        from ..secrets import mask_text

        replaced = _handle_signals()
        try:
            for warning in get_registry().warnings:
                click.echo(f"Warning: {warning}", err=True)
            return super().invoke(ctx)
        except MentalbenchError as exc:
            click.echo(f"Error: {terminal_text(mask_text(str(exc)))}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # click's own: one line too, not usage + hint + error
            where = exc.ctx.command_path if exc.ctx else ctx.command_path
            click.echo(f"Error: {mask_text(exc.format_message())} (see '{where} --help')",
                       err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            out = ctx.meta.get("mentalbench.out")
            where = f" in {out}" if out else ""
            how = f"Stopped by {exc.signal_name}" if isinstance(exc, Terminated) else "Interrupted"
            click.echo(f"{how}: finished work is stored{where}; run the same command "
                       "again to resume.", err=True)
            ctx.exit(getattr(exc, "exit_code", 130))
        except sqlite3.Error as exc:
            click.echo(f"Error: the run store failed: {exc} (is another program using it, or "
                       "is the disk full?)", err=True)
            ctx.exit(2)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"Error: {where}{exc.strerror or exc}", err=True)
            ctx.exit(2)
        finally:
            for signum, handler in replaced.items():
                signal.signal(signum, handler)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="mentalbench")
def cli():
    """Benchmark language models on mental-health counseling questions, judged by LLMs."""


def _add_bundled_commands() -> None:
    from . import checks, info, leaderboard, report, rubric, run

    for module in (run, leaderboard, report, info, rubric, checks):
        for command in module.COMMANDS:
            cli.add_command(command)


def _add_plugin_commands() -> None:
    from ..registry import get_registry

    for impl in pm.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli=cli)
        except Exception as exc:  # a broken plugin must not take the host down
            get_registry().warnings.append(
                f"plugin {impl.plugin_name!r}: its register_commands hook failed "
                f"({type(exc).__name__}: {exc}); its commands are missing")


_add_bundled_commands()
load_plugins()
_add_plugin_commands()
_AS_COMMAND = os.path.basename(sys.argv[0] if sys.argv else "") in ("mentalbench",
                                                                    "__main__.py")
if _STARTING and not _AS_COMMAND and signal.getsignal(signal.SIGINT) is _interrupted_at_start:
    # Loaded by a library user (or a test), not as the command: Ctrl-C back as it was.
    signal.signal(signal.SIGINT, signal.default_int_handler)
