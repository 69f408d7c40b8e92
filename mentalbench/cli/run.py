"""`mentalbench run` and `mentalbench judge`: answer and judge, or judge answers made elsewhere."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..options import parse_pairs
from .common import (
    DRY_RUN_HELP,
    QUESTIONS_HELP,
    make_reporter,
    print_board,
    print_dry_run,
    report_summary,
    slug,
)


@click.command()
@click.option("--model", "-m", "model_id", default="smollm2", show_default=True,
              help="Model to answer the questions (see `mentalbench models`).")
@click.option("--judge", "-j", "judges", multiple=True,
              help="Judge name or model id; repeat for several (default: smollm2).")
@click.option("--questions", "-q", help=QUESTIONS_HELP)
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
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def run(model_id, judges, questions, questions_format, limit, out, model_opt, judge_opt, rubric,
        name, dry_run):
    """Answer the questions with a model, judge every answer, write the leaderboard."""
    from ..registry import get_registry
    from ..runner import RunPlan, execute, resolve_judges, resolve_questions, select

    model_opts = parse_pairs(model_opt, "--model-opt")
    judge_opts = parse_pairs(judge_opt, "--judge-opt")
    qset = resolve_questions(questions, questions_format)
    model = get_registry().get_model(model_id, model_opts)
    model.check()
    resolved = resolve_judges(judges or ("smollm2",), judge_opts, rubric)
    label = name or model_id
    plan = RunPlan(out=out or Path("runs") / slug(label), questions=qset,
                   selected=select(qset, limit), judges=resolved, model=model, label=label,
                   arguments={"model": model_id, "model_opt": model_opts,
                              "judges": [j.name for j in resolved], "judge_opt": judge_opts,
                              "questions": questions, "limit": limit, "rubric": rubric})
    if dry_run:
        return print_dry_run(plan)
    reporter = make_reporter()
    try:
        summary = execute(plan, None, reporter)
    except KeyboardInterrupt:
        click.echo(f"Interrupted: finished work is stored in {plan.out}; run the same command "
                   "again to resume.", err=True)
        sys.exit(130)
    report_summary(summary, reporter)
    print_board(summary.out / "leaderboard.csv")


@click.command()
@click.option("--answers", "-a", "answers_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="answers.jsonl (mentalbench) or FastChat model_answer JSONL.")
@click.option("--judge", "-j", "judges", multiple=True, help="Judge name or model id; repeatable.")
@click.option("--questions", "-q", help=QUESTIONS_HELP)
@click.option("--questions-format", type=click.Choice(["native", "fastchat", "csv"]))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Run directory (default: runs/<model>-judged).")
@click.option("--judge-opt", multiple=True, metavar="K=V", help="Option for every judge.")
@click.option("--rubric", help="Rubric name or folder.")
@click.option("--name", help="Model name to use instead of the one in the file.")
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def judge(answers_path, judges, questions, questions_format, out, judge_opt, rubric, name,
          dry_run):
    """Judge answers produced elsewhere and write their leaderboard."""
    from ..answers_io import read_answers
    from ..errors import InputError
    from ..runner import RunPlan, execute, resolve_judges, resolve_questions

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
    plan = RunPlan(out=out or Path("runs") / f"{slug(model)}-judged", questions=qset,
                   selected=selected, judges=resolved, answers_file=answers_path,
                   arguments={"answers": str(answers_path), "judges": list(judges),
                              "judge_opt": judge_opts, "questions": questions})
    if dry_run:
        return print_dry_run(plan, answers)
    reporter = make_reporter()
    summary = execute(plan, answers, reporter)
    report_summary(summary, reporter)
    print_board(summary.out / "leaderboard.csv")


COMMANDS = (run, judge)
