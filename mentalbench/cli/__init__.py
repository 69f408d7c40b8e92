"""The mentalbench command line: a thin click layer; one module per group of commands."""

from __future__ import annotations

import click

from .. import __version__
from ..errors import MentalbenchError
from ..plugins import load_plugins, pm


class Group(click.Group):
    """Turns MentalbenchError into one line on stderr and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MentalbenchError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="mentalbench")
def cli():
    """Benchmark language models on mental-health counseling questions, judged by LLMs."""


def _add_bundled_commands() -> None:
    from . import info, leaderboard, report, run

    for module in (run, leaderboard, report, info):
        for command in module.COMMANDS:
            cli.add_command(command)


_add_bundled_commands()
load_plugins()
pm.hook.register_commands(cli=cli)
