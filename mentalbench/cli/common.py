"""What `run` and `judge` share: their options, the summary they print, and how they end."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

QUESTIONS_HELP = "Question file or registered set name (default: the bundled mentalbench-200)."
DRY_RUN_HELP = ("Print the calls, estimated tokens and dollars this would spend, then stop "
                "(nothing is requested or written; no API key needed).")
JUDGE_HELP = ("Judge name or model id; repeat for several (default: smollm2, the embedded model "
              "scoring by rating probabilities).")
JUDGE_OPT_HELP = ("Judge option, repeatable: K=V for every judge, JUDGE.K=V for one "
                  "(e.g. gpt4.base_url=http://127.0.0.1:8000/v1, samples=3).")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "run"


def out_folder(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """--out as a Path; '' (an unset shell variable) is refused, not taken as the current folder."""
    if value is not None and not value.strip():
        raise click.BadParameter("expected a folder path, got ''", ctx, param)
    return None if value is None else Path(value)


def judging_options(f: Callable) -> Callable:
    """The options every judging command takes (run and judge)."""
    for option in reversed([
        click.option("--judge", "-j", "judges", multiple=True, help=JUDGE_HELP),
        click.option("--judge-opt", multiple=True, metavar="[JUDGE.]K=V", help=JUDGE_OPT_HELP),
        click.option("--rubric", help="Rubric name or folder (default: each judge's, mentalgpt)."),
        click.option("--questions", "-q", help=QUESTIONS_HELP),
        click.option("--questions-format", type=click.Choice(["native", "fastchat", "csv"]),
                     help="Override the detected question-file format."),
        click.option("--limit", "-n", type=int, help="Only the first N questions of the set."),
        click.option("--check", "checks", multiple=True, metavar="NAME",
                     help="Deterministic check to run on every answer, repeatable "
                          "(default: every registered check; see `mentalbench checks`)."),
        click.option("--no-checks", is_flag=True, help="Run no deterministic checks."),
        click.option("--judge-empty", is_flag=True,
                     help="Send empty answers to the judges too (by default they are counted "
                          "and reported as empty, not judged)."),
        click.option("--no-retry-unscored", is_flag=True,
                     help="Keep judgments stored unscored as they are (by default a rerun asks "
                          "the judge again for them)."),
        click.option("--allow-unscored", is_flag=True,
                     help="Exit 0 even when answers or judgments were left unscored or failed "
                          "(by default such a run exits 3)."),
        click.option("--wait", is_flag=True,
                     help="If another run holds --out, wait for it instead of exiting 2."),
        click.option("--report", "with_report", is_flag=True,
                     help="Also write `mentalbench report` of this folder (question set and "
                          "rubric of this run) into OUT/report (needs mentalbench[report])."),
        click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP),
    ]):
        f = option(f)
    return f


def chosen_checks(checks: tuple[str, ...], no_checks: bool) -> tuple:
    """The checks a run does: those named with --check, none with --no-checks, else all."""
    from ..checks import resolve_checks

    if no_checks and checks:
        raise click.UsageError("--check and --no-checks: give one or the other")
    return () if no_checks else tuple(resolve_checks(checks or None))


def print_judge_notes(plan) -> None:
    """One line per judge whose model is not the one its name suggests (a retired model)."""
    from ..judge_models import judge_model_note

    for judge in plan.judges:
        note = judge_model_note(judge.spec)
        if note:
            click.echo(note, err=True)


def print_dry_run(plan) -> None:
    from ..estimates import format_estimate
    from ..plan import estimate_run

    rows = estimate_run(plan)  # first: a bad store or price file is the one line to show
    print_judge_notes(plan)
    click.echo(f"Dry run for {plan.out}:")
    click.echo(format_estimate(rows))


def finish(plan, reporter, with_report: bool = False) -> None:
    """Execute the plan; print its summary and leaderboard (and report); exit 0, 3 or 130."""
    from ..pricing import price_table
    from ..runner import check_ready, execute

    if with_report:
        from ..report import require_report_extra

        require_report_extra()  # before any paid call, not after
    ctx = click.get_current_context()
    ctx.meta["mentalbench.out"] = plan.out
    check_ready(plan)  # a missing key is the one line to show, before any note
    price_table()  # a bad $MENTALBENCH_PRICES file is found now, not when the calls are priced
    print_judge_notes(plan)
    summary = execute(plan, reporter)
    for line in summary_lines(summary):
        click.echo(line, err=True)
    if plan.pairwise is not None:
        from ..pairwise_tables import bias_lines

        for line in bias_lines(plan.out):
            click.echo(line, err=True)
    print_board(plan.out)
    if with_report:
        click.echo(f"Report: {write_run_report(plan)}")
    status = summary.exit_status(plan.allow_unscored)
    if summary.stopped:
        click.echo(f"Error: {summary.stopped}", err=True)
    if status:
        sys.exit(status)


def summary_lines(summary) -> list[str]:
    """The end-of-run summary: one unwrapped line each."""
    from ..pricing import format_spend

    lines = [f"answers: {summary.answers} ({summary.generated} new); judgments: "
             f"{summary.scored} of {summary.expected} scored ({summary.judged} made this run); "
             f"checks: {summary.checks} new; {summary.seconds:.1f}s"]
    if summary.left:
        cause, count = summary.undone.most_common(1)[0]
        lines.append(f"unscored or failed: {summary.left} of {summary.expected}; most common "
                     f"cause ({count}): {cause}; each is listed with its status in "
                     f"{summary.out / 'judgments.jsonl'}")
    lines += [format_spend(row) for row in summary.spend]
    lines.append(f"Leaderboard: {summary.out / 'leaderboard.csv'}")
    return lines


def print_board(out: Path) -> None:
    """The run directory's leaderboard, its main columns, on stdout."""
    import pandas as pd

    board = pd.read_csv(out / "leaderboard.csv")
    shown = [c for c in ("model", "judge", "judge_model", "n_scored", "n_questions", "partial",
                         "metrics_mean", "overall", "bt_score", "bt_low", "bt_high",
                         "win_rate") if c in board.columns]
    if board.empty:
        click.echo("(no judgments yet)")
        return
    click.echo(board[shown].to_string(index=False))


def write_run_report(plan) -> Path:
    """The report of a run folder, limited to this run's question set and rubric."""
    from ..report import ReportOptions, write_report
    from ..results import load_results

    rubrics = {j.rubric.name for j in plan.judges}
    if plan.imports is not None:
        rubrics.add(plan.imports.rubric.name)
    options = ReportOptions(question_set=plan.questions.name,
                            rubric=next(iter(rubrics)) if len(rubrics) == 1 else None)
    return write_report(load_results([plan.out]), plan.out / "report", options)
