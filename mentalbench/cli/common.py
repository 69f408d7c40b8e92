"""Helpers the command modules share: labels, reporters, summaries, dry runs."""

from __future__ import annotations

import re
from pathlib import Path

import click


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "run"


def make_reporter():
    from ..progress import RichReporter

    return RichReporter()


def report_summary(summary, reporter) -> None:
    from ..pricing import format_spend

    reporter.info(f"answers: {summary.answered} ({summary.generated} new); "
                  f"judgments: {summary.judged} new; unscored or failed: {summary.failures}; "
                  f"{summary.seconds:.1f}s")
    for row in summary.spend:
        reporter.info(format_spend(row))
    click.echo(f"Leaderboard: {summary.out / 'leaderboard.csv'}")


def print_board(path: Path) -> None:
    import pandas as pd

    board = pd.read_csv(path)
    click.echo(board.to_string(index=False))


QUESTIONS_HELP = "Question file or registered set name (default: the bundled mentalbench-200)."
DRY_RUN_HELP = ("Print the calls, estimated tokens and dollars this would spend, then stop "
                 "(nothing is requested or written).")


def print_dry_run(plan, answers=None) -> None:
    from ..pricing import estimate_run, format_estimate

    click.echo(f"Dry run for {plan.out}:")
    click.echo(format_estimate(estimate_run(plan, answers)))
