"""The mentalbench command line: a thin click layer; one module per group of commands."""

from __future__ import annotations

import signal
import sqlite3

import click

from ..errors import EXIT_INPUT, EXIT_INTERRUPTED, MentalbenchError, Terminated
from ..plugins.loading import load_plugins
from ..run.startup import is_command, release
from ..version import __version__

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
    release()  # Ctrl-C is KeyboardInterrupt again, handled below
    return {s: signal.signal(s, _terminate) for s in _ENDING_SIGNALS}


class Group(click.Group):
    """Turns user-facing errors into one line on stderr and the exit status they carry."""

    def invoke(self, ctx):
        from ..models.secrets import mask_text
        from ..plugins.registry import get_registry
        from ..store.escaping import terminal_text

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
            click.echo(f"Error: {mask_text(_usage_message(exc))} (see '{where} --help')",
                       err=True)
            ctx.exit(exc.exit_code)
        except ModuleNotFoundError as exc:  # an optional dependency reached by an import
            from ..errors import missing_module

            error = missing_module(exc, f"'{ctx.command_path} {ctx.invoked_subcommand}'")
            if error is None:
                raise
            click.echo(f"Error: {error}", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt as exc:
            out = ctx.meta.get("mentalbench.out")
            where = f" in {out}" if out else ""
            how = f"Stopped by {exc.signal_name}" if isinstance(exc, Terminated) else "Interrupted"
            click.echo(f"{how}: finished work is stored{where}; run the same command "
                       "again to resume.", err=True)
            ctx.exit(getattr(exc, "exit_code", EXIT_INTERRUPTED))
        except sqlite3.Error as exc:
            click.echo(f"Error: the run store failed: {exc} (is another program using it, or "
                       "is the disk full?)", err=True)
            ctx.exit(EXIT_INPUT)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"Error: {where}{exc.strerror or exc}", err=True)
            ctx.exit(EXIT_INPUT)
        finally:
            for signum, handler in replaced.items():
                signal.signal(signum, handler)


def _usage_message(exc: click.UsageError) -> str:
    """click's message; extra arguments that are files were a glob the shell expanded."""
    import re
    from pathlib import Path

    message = exc.format_message()
    found = re.fullmatch(r"Got unexpected extra arguments? \((.*)\)", message, re.S)
    if found:
        extra = found.group(1).split(" ")
        paths = [a for a in extra if Path(a).exists()]
        if paths:
            return (f"got {len(extra)} extra arguments ({extra[0]}, ...) where one path was "
                    "expected: an unquoted glob the shell expanded? Quote it "
                    "(--answers 'answers/*.jsonl') or repeat the option for each file")
    return message


@click.group(cls=Group)
@click.version_option(__version__, prog_name="mentalbench")
@click.option("--verbose", "-v", is_flag=True,
              help="Show the libraries' own progress bars (weights loading, downloads); "
                   "mentalbench's progress lines show either way.")
def cli(verbose):
    """Benchmark language models on mental-health counseling questions, judged by LLMs."""
    if not verbose:
        from ..models.progress import quiet_libraries

        quiet_libraries()


def _add_bundled_commands() -> None:
    from . import cache, cards, checks, info, leaderboard, rate, report, rubric, run, session_report

    for module in (run, leaderboard, report, info, rubric, checks, cache, cards, session_report,
                   rate):
        for command in module.COMMANDS:
            cli.add_command(command)


def _add_plugin_commands() -> None:
    from ..plugins.calling import call_each
    from ..plugins.registry import get_registry

    def failed(plugin: str, exc: Exception) -> None:
        get_registry().warnings.append(
            f"plugin {plugin!r}: its register_commands hook failed "
            f"({type(exc).__name__}: {exc}); its commands are missing")

    call_each("register_commands", lambda plugin: {"cli": cli}, failed, input_errors_stop=False)


_add_bundled_commands()
load_plugins()
_add_plugin_commands()
if not is_command():
    release()  # imported by a library user (or a test): Ctrl-C back as it was
