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


def slug(text: str, width: int = 80) -> str:
    """A folder name from a label: never '.' or '..', never a path."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:width].strip("-.") or "run"


def _short_model(name: str) -> str:
    """A model's last path part, without its prefix: hf:/m/Llama-3-8B -> Llama-3-8B."""
    return re.split(r"[/\\:]", name.rstrip("/\\"))[-1] or name


def run_folder(label: str) -> str:
    """The default --out of `run`: the model's short name, under 40 characters."""
    base, plus, adapter = label.partition("+")
    return slug(_short_model(base) + (f"+{adapter}" if plus else ""), 40)


def default_out(short: str, legacy: str) -> Path:
    """runs/<short>, unless a folder under the longer name earlier versions gave exists (a
    rerun resumes there)."""
    old = Path("runs") / legacy
    return old if old.is_dir() and legacy != short else Path("runs") / short


def judged_folder(models: list[str]) -> str:
    """The default --out of `judge`: one model's short name, or the first and how many more
    (with a hash of them all, so another set of models gets another folder)."""
    from ..records.hashing import text_sha256

    first = slug(_short_model(models[0]), 32) if models else "answers"
    if len(models) <= 1:
        return f"{first}-judged"
    return f"{first}-and-{len(models) - 1}-more-{text_sha256(chr(10).join(models))[:6]}-judged"


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
        click.option("--checks", "all_checks", is_flag=True,
                     help="Run every registered check (the default, except with "
                          "--import-judgments, where checks run only when asked)."),
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


def chosen_checks(checks: tuple[str, ...], no_checks: bool, all_checks: bool = False,
                  default: bool = True) -> tuple:
    """The checks a run does: those named with --check, all with --checks, none with
    --no-checks, else all (or none where `default` is False: an import)."""
    from ..checks import resolve_checks

    if no_checks and (checks or all_checks):
        given = "--check" if checks else "--checks"
        raise click.UsageError(f"{given} and --no-checks: give one or the other")
    if no_checks or not (checks or all_checks or default):
        return ()
    return tuple(resolve_checks(checks or None))


def print_judge_notes(plan) -> None:
    """One line per judge whose model is not the one its name suggests (a retired model)."""
    from ..judging.paper_judges import judge_model_note

    for judge in plan.judges:
        note = judge_model_note(judge.spec)
        if note:
            click.echo(note, err=True)


def print_dry_run(plan) -> None:
    from ..run.dry_run import estimate_run
    from ..run.estimates import format_estimate

    rows = estimate_run(plan)  # first: a bad store or price file is the one line to show
    print_judge_notes(plan)
    click.echo(f"Dry run for {plan.out}:")
    click.echo(format_estimate(rows))


def finish(plan, reporter, with_report: bool = False) -> None:
    """Execute the plan; print its summary and leaderboard (and report); exit 0, 3 or 130."""
    from ..run.cost import price_table
    from ..run.execute import check_ready, execute
    from ..store.escaping import terminal_text

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
        click.echo(terminal_text(line), err=True)
    if plan.pairwise is not None:
        from ..results.pairwise_tables import bias_lines

        for line in bias_lines(plan.out):
            click.echo(terminal_text(line), err=True)
    rubrics = [j.rubric for j in plan.judges] + ([plan.imports.rubric] if plan.imports else [])
    print_board(plan.out, {m.key: m.name for r in rubrics for m in r.metrics})
    if with_report:
        with reporter.stage("writing the report", None):
            path = write_run_report(plan)
        click.echo(f"Report: {path}")
    status = summary.exit_status(plan.allow_unscored)
    if summary.stopped:
        click.echo(terminal_text(f"Error: {summary.stopped}"), err=True)
    if status:
        sys.exit(status)


def summary_lines(summary) -> list[str]:
    """The end-of-run summary: one unwrapped line each."""
    from ..run.cost import format_spend

    calls = sum(row["new_results"] for row in summary.spend if row["stage"] == "judging")
    lines = [f"answers: {summary.answers} ({summary.generated} new); judgments: "
             f"{summary.scored} of {summary.expected} scored ({summary.judged} made this run, "
             f"{calls} judge calls); checks: {summary.checks} new; {summary.seconds:.1f}s"]
    if summary.left:
        cause, count = summary.undone.most_common(1)[0]
        lines.append(f"unscored or failed: {summary.left} of {summary.expected}; most common "
                     f"cause ({count}): {cause}; each is listed with its status in "
                     f"{summary.out / 'judgments.jsonl'}")
    lines += [format_spend(row) for row in summary.spend]
    lines.append(f"Leaderboard: {summary.out / 'leaderboard.csv'}")
    return lines


def print_board(out: Path, names: dict[str, str]) -> None:
    """The run directory's leaderboard as the terminal table of `mentalbench leaderboard`."""
    import pandas as pd

    from ..results.board_table import table_text
    from ..store.escaping import terminal_frame

    board = pd.read_csv(out / "leaderboard.csv")
    if board.empty:
        click.echo("(no judgments yet)")
        return
    click.echo(table_text(terminal_frame(board), names))


def write_run_report(plan) -> Path:
    """The report of a run folder, limited to this run's question set and rubric."""
    from ..report import ReportOptions, write_report
    from ..results.tables import load_results

    rubrics = {j.rubric.name for j in plan.judges}
    if plan.imports is not None:
        rubrics.add(plan.imports.rubric.name)
    options = ReportOptions(question_set=plan.questions.name,
                            rubric=next(iter(rubrics)) if len(rubrics) == 1 else None)
    return write_report(load_results([plan.out]), plan.out / "report", options)
