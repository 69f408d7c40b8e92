"""The mentalbench command line: a thin click layer; one module per group of commands."""

from __future__ import annotations

import sqlite3

import click

from ..errors import MentalbenchError
from ..plugins import load_plugins, pm
from ..version import __version__


class Group(click.Group):
    """Turns user-facing errors into one line on stderr and the exit status they carry."""

    def invoke(self, ctx):
        from ..registry import get_registry
        from ..secrets import mask_text

        try:
            for warning in get_registry().warnings:
                click.echo(f"Warning: {warning}", err=True)
            return super().invoke(ctx)
        except MentalbenchError as exc:
            click.echo(f"Error: {mask_text(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # click's own: one line too, not usage + hint + error
            where = exc.ctx.command_path if exc.ctx else ctx.command_path
            click.echo(f"Error: {mask_text(exc.format_message())} (see '{where} --help')",
                       err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            out = ctx.meta.get("mentalbench.out")
            where = f" in {out}" if out else ""
            click.echo(f"Interrupted: finished work is stored{where}; run the same command "
                       "again to resume.", err=True)
            ctx.exit(130)
        except sqlite3.Error as exc:
            click.echo(f"Error: the run store failed: {exc} (is another program using it, or "
                       "is the disk full?)", err=True)
            ctx.exit(2)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"Error: {where}{exc.strerror or exc}", err=True)
            ctx.exit(2)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="mentalbench")
def cli():
    """Benchmark language models on mental-health counseling questions, judged by LLMs."""


def _add_bundled_commands() -> None:
    from . import checks, info, leaderboard, rate, report, rubric, run

    for module in (run, leaderboard, report, info, rubric, checks, rate):
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
