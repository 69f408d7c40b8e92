"""`mentalbench sessions report`: the sessions section of a report, from session runs."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def sessions():
    """Report on session runs (see `run --cards`)."""


@sessions.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="RUN_DIR...")
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True,
              help="Folder for sessions.html and its CSV tables.")
def report(run_dirs, out):
    """Write the sessions report of one or more session runs: scores per counselor with paired
    CIs over cards, scores by turn, stance and disclosure, the crisis-referral floor with
    Wilson CIs, and every transcript (sessions.html and CSVs in OUT)."""
    from ..sessions.report import write_session_report

    click.echo(f"Sessions report: {write_session_report(list(run_dirs), out)}")


COMMANDS = (sessions,)
