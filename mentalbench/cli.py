"""The mentalbench command line: a thin click layer over runner, registry and leaderboard."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from . import __version__
from .errors import MentalbenchError
from .options import parse_pairs
from .plugins import get_plugins, load_plugins, pm


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


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "run"


def _reporter():
    from .progress import RichReporter

    return RichReporter()


def _report(summary, reporter) -> None:
    from .pricing import format_spend

    reporter.info(f"answers: {summary.answered} ({summary.generated} new); "
                  f"judgments: {summary.judged} new; unscored or failed: {summary.failures}; "
                  f"{summary.seconds:.1f}s")
    for row in summary.spend:
        reporter.info(format_spend(row))
    click.echo(f"Leaderboard: {summary.out / 'leaderboard.csv'}")


def _print_board(path: Path) -> None:
    import pandas as pd

    board = pd.read_csv(path)
    click.echo(board.to_string(index=False))


_QUESTIONS_HELP = "Question file or registered set name (default: the bundled mentalbench-200)."
_DRY_RUN_HELP = ("Print the calls, estimated tokens and dollars this would spend, then stop "
                 "(nothing is requested or written).")


def _dry_run(plan, answers=None) -> None:
    from .pricing import estimate_run, format_estimate

    click.echo(f"Dry run for {plan.out}:")
    click.echo(format_estimate(estimate_run(plan, answers)))


@cli.command()
@click.option("--model", "-m", "model_id", default="smollm2", show_default=True,
              help="Model to answer the questions (see `mentalbench models`).")
@click.option("--judge", "-j", "judges", multiple=True,
              help="Judge name or model id; repeat for several (default: smollm2).")
@click.option("--questions", "-q", help=_QUESTIONS_HELP)
@click.option("--questions-format", type=click.Choice(["native", "fastchat", "csv"]),
              help="Override the detected question-file format.")
@click.option("--limit", "-n", type=int, help="Only the first N questions.")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Run directory (default: runs/<model>). Re-running it resumes.")
@click.option("--model-opt", multiple=True, metavar="K=V", help="Model option, repeatable.")
@click.option("--judge-opt", multiple=True, metavar="K=V",
              help="Option for every judge, repeatable (e.g. mode=text).")
@click.option("--rubric", help="Rubric name or folder (default: each judge's, mentalgpt).")
@click.option("--name", help="Label for the model in the leaderboard (default: the model id).")
@click.option("--dry-run", is_flag=True, help=_DRY_RUN_HELP)
def run(model_id, judges, questions, questions_format, limit, out, model_opt, judge_opt, rubric,
        name, dry_run):
    """Answer the questions with a model, judge every answer, write the leaderboard."""
    from .registry import get_registry
    from .runner import RunPlan, execute, resolve_judges, resolve_questions, select

    model_opts = parse_pairs(model_opt, "--model-opt")
    judge_opts = parse_pairs(judge_opt, "--judge-opt")
    qset = resolve_questions(questions, questions_format)
    model = get_registry().get_model(model_id, model_opts)
    model.check()
    resolved = resolve_judges(judges or ("smollm2",), judge_opts, rubric)
    label = name or model_id
    plan = RunPlan(out=out or Path("runs") / _slug(label), questions=qset,
                   selected=select(qset, limit), judges=resolved, model=model, label=label,
                   arguments={"model": model_id, "model_opt": model_opts,
                              "judges": [j.name for j in resolved], "judge_opt": judge_opts,
                              "questions": questions, "limit": limit, "rubric": rubric})
    if dry_run:
        return _dry_run(plan)
    reporter = _reporter()
    try:
        summary = execute(plan, None, reporter)
    except KeyboardInterrupt:
        click.echo(f"Interrupted: finished work is stored in {plan.out}; run the same command "
                   "again to resume.", err=True)
        sys.exit(130)
    _report(summary, reporter)
    _print_board(summary.out / "leaderboard.csv")


@cli.command()
@click.option("--answers", "-a", "answers_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="answers.jsonl (mentalbench) or FastChat model_answer JSONL.")
@click.option("--judge", "-j", "judges", multiple=True, help="Judge name or model id; repeatable.")
@click.option("--questions", "-q", help=_QUESTIONS_HELP)
@click.option("--questions-format", type=click.Choice(["native", "fastchat", "csv"]))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Run directory (default: runs/<model>-judged).")
@click.option("--judge-opt", multiple=True, metavar="K=V", help="Option for every judge.")
@click.option("--rubric", help="Rubric name or folder.")
@click.option("--name", help="Model name to use instead of the one in the file.")
@click.option("--dry-run", is_flag=True, help=_DRY_RUN_HELP)
def judge(answers_path, judges, questions, questions_format, out, judge_opt, rubric, name,
          dry_run):
    """Judge answers produced elsewhere and write their leaderboard."""
    from .answers_io import read_answers
    from .errors import InputError
    from .runner import RunPlan, execute, resolve_judges, resolve_questions

    answers = read_answers(answers_path, name)
    qset = resolve_questions(questions, questions_format)
    known = {q.id for q in qset.questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise InputError(f"{answers_path}: question_id {unknown[0]!r} is not in question set "
                         f"{qset.name!r} (pass --questions)")
    judge_opts = parse_pairs(judge_opt, "--judge-opt")
    resolved = resolve_judges(judges or ("smollm2",), judge_opts, rubric)
    model = next(iter(answers.values())).model
    selected = tuple(q for q in qset.questions if q.id in answers)
    plan = RunPlan(out=out or Path("runs") / f"{_slug(model)}-judged", questions=qset,
                   selected=selected, judges=resolved, answers_file=answers_path,
                   arguments={"answers": str(answers_path), "judges": list(judges),
                              "judge_opt": judge_opts, "questions": questions})
    if dry_run:
        return _dry_run(plan, answers)
    reporter = _reporter()
    summary = execute(plan, answers, reporter)
    _report(summary, reporter)
    _print_board(summary.out / "leaderboard.csv")


@cli.command(name="leaderboard")
@click.argument("run_dirs", nargs=-1, required=True,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the merged leaderboard CSV here (default: print it).")
def leaderboard_cmd(run_dirs, output):
    """Merge the judgments of several run directories into one leaderboard.

    A judgment found in more than one directory (the same judge, rubric and mode on the same
    answer text to the same question) counts once; the later directory's row is kept.
    """
    from .leaderboard import merged_leaderboard
    from .store import write_atomic

    board = merged_leaderboard(run_dirs)
    if output:
        write_atomic(output, board.to_csv(index=False))
        click.echo(f"Leaderboard: {output}")
    click.echo(board.to_string(index=False))


@cli.group()
def questions():
    """Inspect and validate question sets."""


@questions.command()
@click.argument("path", required=False)
@click.option("--format", "fmt", type=click.Choice(["native", "fastchat", "csv"]))
def validate(path, fmt):
    """Check a question file (default: the bundled set): count, or every problem and exit 2."""
    from .questions import check_questions
    from .registry import get_registry

    named = get_registry().question_set(path or "mentalbench-200")
    target = named.path if named else Path(path)
    items, problems, used = check_questions(target, fmt or (named.format if named else None))
    if problems:
        for p in problems:
            click.echo(p, err=True)
        sys.exit(2)
    click.echo(f"{target}: {len(items)} questions ({used} format)")


@questions.command(name="list")
def list_sets():
    """List registered question sets."""
    from .registry import get_registry

    for name, entry in sorted(get_registry().question_sets.items()):
        click.echo(f"{name}: {entry.description} ({entry.path})")


@cli.command()
def models():
    """List registered models and id prefixes, with aliases."""
    from .registry import get_registry

    for name, e in sorted(get_registry().models.items()):
        shown = f"{name}:<target>" if e.prefix else name
        aliases = f" (aliases: {', '.join(e.aliases)})" if e.aliases else ""
        click.echo(f"{shown}{aliases} - {e.description} [{e.plugin}]")


@cli.command()
def judges():
    """List registered judges (any model id can also judge)."""
    from .registry import get_registry

    reg = get_registry()
    for name, spec in sorted(reg.judges.items()):
        aliases = [a for a, n in reg.judge_aliases.items() if n == name]
        shown = f" (aliases: {', '.join(sorted(aliases))})" if aliases else ""
        click.echo(f"{name}{shown}: model {spec.model}, mode {spec.mode}, rubric {spec.rubric}"
                   f" - {spec.description}")


@cli.command()
def plugins():
    """List loaded plugins with the hooks they implement, as JSON."""
    click.echo(json.dumps(get_plugins(), indent=2))


load_plugins()
pm.hook.register_commands(cli=cli)
