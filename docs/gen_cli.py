"""Writes the CLI references from the commands' own help, so they never drift from the code.

`python docs/gen_cli.py` writes docs/cli.md: mentalbench's own commands, whatever plugins are
installed. `python docs/gen_cli.py mentalbench_train` writes docs/cli-train.md: the commands
that package's plugins add (it must be installed). Each has a test that fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

#: Package -> (file written, its header).
REFERENCES = {
    "mentalbench": ("cli.md", """# CLI reference

Generated from the commands' help by `python docs/gen_cli.py` (a test fails when it is stale).
These are mentalbench's own commands. Plugins add their own: the bundled training plugin's
`train` and `data` are in [their reference](cli-train.md).
"""),
    "mentalbench_train": ("cli-train.md", """# CLI reference: the training plugin

Generated from the commands' help by `python docs/gen_cli.py mentalbench_train` (a test of the
plugin fails when it is stale). These commands come with the bundled `mentalbench-train`
plugin; see [training](training.md) and [training data](data.md). The core commands are in
[the main reference](cli.md).
"""),
}


def package_of(command: click.Command) -> str:
    """The top-level package that defined a command (the one whose plugin added it)."""
    owner = command.callback if command.callback is not None else type(command)
    return owner.__module__.partition(".")[0]


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    for name in sorted(group.commands):
        cmd = group.commands[name]
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, (*path, name))


def render(package: str = "mentalbench") -> str:
    """The reference of the commands `package` adds to the command line, as markdown."""
    from mentalbench.cli import cli

    parts = [REFERENCES[package][1]]
    for path, _ in _walk(cli):
        if package_of(cli.commands[path[0]]) != package:
            continue
        text = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100).output
        text = text.replace("Usage: cli ", "Usage: mentalbench ")
        parts.append(f"## mentalbench {' '.join(path)}\n\n```\n{text.rstrip()}\n```\n")
        if package == "mentalbench" and path == ("leaderboard",):
            parts.append(_leaderboard_columns())
    return "\n".join(parts)


def _leaderboard_columns() -> str:
    """The one table of leaderboard.csv's columns, from mentalbench.results.board_columns."""
    from mentalbench.results.board_columns import markdown

    return ("### Leaderboard columns\n\nEvery column of `leaderboard.csv` (and of `leaderboard "
            "-o`), in order. The terminal table shows model, judge, `scored` (n_scored of "
            "n_questions), `mean [95% CI]` (metrics_mean and its interval), coverage when not "
            "complete, and each metric under the first word of its name.\n\n" + markdown())


if __name__ == "__main__":
    package = sys.argv[1] if len(sys.argv) > 1 else "mentalbench"
    target = Path(__file__).with_name(REFERENCES[package][0])
    target.write_text(render(package), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
