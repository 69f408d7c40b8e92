"""Writes docs/cli.md from the commands' own help, so the reference never drifts from the code."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

HEADER = """# CLI reference

Generated from the commands' help by `python docs/gen_cli.py` (a test fails when it is stale).
Commands added by installed plugins (the bundled `train` and `data`) appear here too.
"""


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    for name in sorted(group.commands):
        cmd = group.commands[name]
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, (*path, name))


def render() -> str:
    """The whole reference as markdown."""
    from mentalbench.cli import cli

    parts = [HEADER]
    for path, _ in _walk(cli):
        text = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100).output
        text = text.replace("Usage: cli ", "Usage: mentalbench ")
        parts.append(f"## mentalbench {' '.join(path)}\n\n```\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    target = Path(__file__).with_name("cli.md")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
