"""`mentalbench leaderboard`: merge the judgments of several run directories."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="leaderboard")
@click.argument("run_dirs", nargs=-1, required=True,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the merged leaderboard CSV here (default: print it).")
def leaderboard_cmd(run_dirs, output):
    """Merge the judgments of several run directories into one leaderboard.

    A judgment found in more than one directory (the same judge, rubric and mode on the same
    answer text to the same question) counts once; the later directory's row is kept.
    """
    from ..files import write_atomic
    from ..leaderboard import merged_leaderboard

    board = merged_leaderboard(run_dirs)
    if output:
        write_atomic(output, board.to_csv(index=False))
        click.echo(f"Leaderboard: {output}")
    click.echo(board.to_string(index=False))


COMMANDS = (leaderboard_cmd,)
