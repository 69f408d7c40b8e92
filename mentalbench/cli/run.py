"""`mentalbench run` and `mentalbench judge`: answer and judge, or judge answers made elsewhere."""

from __future__ import annotations

from pathlib import Path

import click

from ..options import parse_pairs
from ..rundir import check_out
from .common import chosen_checks, finish, judging_options, out_folder, print_dry_run, slug


def _reporter():
    from ..progress import reporter_for

    return reporter_for()


@click.command()
@click.option("--model", "-m", "model_id", default="smollm2", show_default=True,
              help="Model to answer the questions (see `mentalbench models`).")
@click.option("--model-opt", multiple=True, metavar="K=V", help="Model option, repeatable.")
@click.option("--name", help="Label for the model in the leaderboard (default: the model id, "
                             "with +ADAPTER@HASH when run with an adapter).")
@click.option("--out", "-o", type=click.Path(), callback=out_folder,
              help="Run directory (default: runs/<name>). Re-running it resumes.")
@judging_options
def run(model_id, model_opt, name, out, judges, judge_opt, rubric, questions, questions_format,
        limit, checks, no_checks, judge_empty, no_retry_unscored, allow_unscored, wait, with_report,
        dry_run):
    """Answer the questions with a model, judge every answer, write the leaderboard.

    Exit status: 0 everything scored; 3 answers or judgments left unscored or failed (see the
    summary; --allow-unscored makes it 0); 2 bad input; 130 interrupted (run it again to resume).
    """
    from ..registry import get_registry
    from ..resolve import resolve_judges, resolve_questions, select
    from ..runner import RunPlan

    model_opts = parse_pairs(model_opt, "--model-opt")
    judge_opts = parse_pairs(judge_opt, "--judge-opt")
    qset = resolve_questions(questions, questions_format)
    selected = select(qset, limit)
    model = get_registry().get_model(model_id, model_opts)
    model.check()
    resolved = resolve_judges(judges, judge_opts, rubric)
    label = name or model.label()
    out = out or Path("runs") / slug(label)
    check_out(out)
    plan = RunPlan(out=out, questions=qset, selected=selected, judges=resolved,
                   checks=chosen_checks(checks, no_checks), model=model,
                   label=label, retry_unscored=not no_retry_unscored, judge_empty=judge_empty,
                   allow_unscored=allow_unscored, wait=wait,
                   arguments={"model": model_id, "model_opt": model_opts, "name": name,
                              "judges": [j.name for j in resolved], "judge_opt": judge_opts,
                              "questions": questions, "limit": limit, "rubric": rubric})
    if dry_run:
        return print_dry_run(plan)
    finish(plan, _reporter(), with_report)


@click.command()
@click.option("--answers", "-a", "answer_paths", multiple=True, required=True, metavar="FILE",
              help="Answers to judge: a run's answers.jsonl or FastChat model_answer JSONL; "
                   "repeatable, globs allowed (quote them); one model a file.")
@click.option("--name", help="Model name for the answers instead of the one in the file "
                             "(only with one answers file).")
@click.option("--max-answer-words", type=click.IntRange(min=1), default=20_000,
              show_default=True, help="Refuse answers longer than this many words.")
@click.option("--out", "-o", type=click.Path(), callback=out_folder,
              help="Run directory (default: runs/<model>-judged). Re-running it resumes.")
@click.option("--import-judgments", "import_path", type=click.Path(path_type=Path),
              metavar="FILE",
              help="Store judgments made elsewhere instead of asking judges (no model call; "
                   "not with -j): FastChat single-mode model_judgment JSONL, a CSV of human "
                   "ratings (question_id, model, rater, one column per rubric key), or a Label "
                   "Studio JSON export of `mentalbench rate --export FILE.json` tasks. Scores "
                   "are read by --rubric's metric names.")
@click.option("--import-name", help="Judge name for imported FastChat judgments (default: the "
                                    "judge model the file names, e.g. gpt-4).")
@click.option("--judge-mode", type=click.Choice(["single", "pairwise"]), default="single",
              show_default=True,
              help="single: rate each answer; pairwise: the judge compares two answers to a "
                   "question, in both orders, and votes A, B or tie per metric (a vote that "
                   "flips with the order is a tie). --rubric then names a pairwise rubric "
                   "(default: the bundled 'pairwise').")
@click.option("--baseline", metavar="MODEL",
              help="Pairwise: compare every model against this one (as arena-hard does).")
@click.option("--pairs", default="all", show_default=True, metavar="all|N",
              help="Pairwise without --baseline: every pair of models on each question, or N "
                   "pairs drawn per question (seeded by --pair-seed).")
@click.option("--pair-seed", type=int, default=0, show_default=True,
              help="Seed of the pairs drawn with --pairs N.")
@judging_options
def judge(answer_paths, name, max_answer_words, out, import_path, import_name, judge_mode,
          baseline, pairs, pair_seed, judges, judge_opt, rubric, questions, questions_format,
          limit, checks, no_checks, judge_empty, no_retry_unscored, allow_unscored, wait,
          with_report, dry_run):
    """Judge answers produced elsewhere and write their leaderboard.

    Repeated answers to one question with different texts are samples, averaged per question;
    word-for-word repeats are dropped (and counted). With --import-judgments, judgments made
    elsewhere are stored as this run's (a FastChat failure, $ERROR$, is stored unscored).
    Exit status as for `run`.
    """
    from ..answers_io import expand_answer_paths, read_answers
    from ..errors import InputError
    from ..resolve import resolve_judges, resolve_questions, select
    from ..runner import RunPlan

    paths = expand_answer_paths(answer_paths)
    if name and len(paths) > 1:
        raise InputError("--name: only with one answers file (each file names its own model)")
    files = [f for p in paths for f in read_answers(p, name, max_answer_words)]
    qset = resolve_questions(questions, questions_format)
    known = {q.id for q in qset.questions}
    for f in files:
        unknown = sorted(f.question_ids - known)
        if unknown:
            raise InputError(f"{f.path}: question_id {unknown[0]!r} is not in question set "
                             f"{qset.name!r} (pass --questions)")
        if f.duplicates:
            click.echo(f"{f.path}: {f.duplicates} answer rows repeat an earlier answer to the "
                       "same question word for word: dropped", err=True)
    answered = set().union(*(f.question_ids for f in files))
    selected = select(qset, limit)
    selected = tuple(q for q in selected if q.id in answered)
    judge_opts = parse_pairs(judge_opt, "--judge-opt")
    imports = None
    if import_path is not None:
        imports = _imports(import_path, import_name, files, qset, selected, judges, judge_opts,
                           rubric)
    elif import_name:
        raise InputError("--import-name: only with --import-judgments")
    pairwise = None
    if judge_mode == "pairwise":
        pairwise = _pairwise_plan(rubric, baseline, pairs, pair_seed, imports, files, selected)
        rubric = None  # names the pairwise rubric, not the judges' own
    elif baseline or pairs != "all":
        raise InputError("--baseline/--pairs: only with --judge-mode pairwise")
    resolved = () if imports is not None else resolve_judges(judges, judge_opts, rubric)
    if pairwise is not None:
        _check_pairwise_judges(resolved)
    models = sorted({f.model for f in files})
    out = out or Path("runs") / f"{slug('+'.join(models))}-judged"
    check_out(out)
    plan = RunPlan(out=out, questions=qset, selected=selected, judges=resolved,
                   checks=chosen_checks(checks, no_checks),
                   answer_files=tuple(files), imports=imports, pairwise=pairwise,
                   retry_unscored=not no_retry_unscored, judge_empty=judge_empty,
                   allow_unscored=allow_unscored, wait=wait,
                   arguments={"answers": [str(p) for p in paths], "name": name,
                              "judges": [j.name for j in resolved], "judge_opt": judge_opts,
                              "questions": questions, "limit": limit, "rubric": rubric,
                              "import_judgments": import_path and str(import_path),
                              "import_name": import_name, "judge_mode": judge_mode,
                              "baseline": baseline, "pairs": pairs})
    if dry_run and imports is not None:
        scored = sum(j.status == "scored" for j in imports.judgments)
        return click.echo(f"Dry run for {out}: would store {len(imports.judgments)} imported "
                          f"judgments ({scored} scored); no model is called.")
    if dry_run:
        return print_dry_run(plan)
    finish(plan, _reporter(), with_report)


def _pairwise_plan(rubric, baseline, pairs, seed, imports, files, selected):
    """The pairwise plan, its pairs checked before anything is written."""
    from ..errors import InputError
    from ..pairwise_judging import PairwisePlan, pair_tasks
    from ..pairwise_rubric import resolve_pairwise_rubric

    if imports is not None:
        raise InputError("--judge-mode pairwise: not with --import-judgments")
    if pairs != "all" and (not pairs.isdigit() or int(pairs) < 1):
        raise InputError(f"--pairs {pairs!r}: expected 'all' or a whole number >= 1")
    if baseline and pairs != "all":
        raise InputError("--pairs: not with --baseline (every model meets the baseline)")
    plan = PairwisePlan(resolve_pairwise_rubric(rubric), baseline, pairs, seed)
    pair_tasks(plan, [a for f in files for a in f.answers], selected)
    return plan


def _check_pairwise_judges(judges):
    from ..errors import InputError

    for j in judges:
        if j.local_logprobs:
            raise InputError(f"--judge-mode pairwise: judge {j.name!r} scores by rating "
                             "probabilities in-process; pairwise judging needs a judge that "
                             "writes its verdicts (pass another -j, or --judge-opt mode=text)")


def _imports(path, import_name, files, qset, selected, judges, judge_opts, rubric):
    """The judgments of --import-judgments, within the selected questions; notes on stderr."""
    from ..errors import InputError
    from ..judgment_import import DEFAULT_RUBRIC, read_judgments
    from ..resolve import resolve_rubric

    if judges or judge_opts:
        raise InputError("--import-judgments: the file's judges judge; -j/--judge and "
                         "--judge-opt are not allowed with it")
    imports = read_judgments(path, files, qset, resolve_rubric(rubric or DEFAULT_RUBRIC),
                             import_name)
    for note in imports.notes:
        click.echo(note, err=True)
    return imports.within(q.id for q in selected)


COMMANDS = (run, judge)
