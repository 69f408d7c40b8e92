"""`mentalbench run` and `mentalbench judge`: answer and judge, or judge answers made elsewhere."""

from __future__ import annotations

from pathlib import Path

import click

from ..inputs.output_paths import plain_name
from ..models.options import parse_pairs
from ..store.folder import check_out
from .common import (
    chosen_checks,
    default_out,
    finish,
    judged_folder,
    judging_options,
    out_folder,
    print_dry_run,
    run_folder,
    slug,
)
from .sessions import judge_transcripts, run_sessions, session_options


def _reporter():
    from ..models.progress import reporter_for

    return reporter_for()


@click.command()
@click.option("--model", "-m", "model_id", default="smollm2", show_default=True,
              help="Model to answer the questions (see `mentalbench models`).")
@click.option("--model-opt", multiple=True, metavar="K=V", help="Model option, repeatable.")
@click.option("--name", help="Label for the model in the leaderboard, a plain name (no '/', "
                             "not '.' or '..'; default: the model id, with +ADAPTER@HASH when "
                             "run with an adapter).")
@click.option("--out", "-o", type=click.Path(), callback=out_folder,
              help="Run directory (default: runs/<name>). Re-running it resumes.")
@judging_options
@session_options
def run(model_id, model_opt, name, out, judges, judge_opt, rubric, questions, questions_format,
        limit, checks, all_checks, no_checks, judge_empty, no_retry_unscored, allow_unscored,
        wait, with_report, dry_run, cards_spec, client_id, client_opt, client_template, turns,
        card_ids, samples, per_turn):
    """Answer the questions with a model, judge every answer, write the leaderboard.

    With --cards, hold multi-turn sessions instead: a client model plays each role card for up
    to --turns counselor turns, every turn stored as it arrives; judges rate each whole
    transcript on the session rubric; the session files go to OUT (default
    runs/<name>-sessions), apart from single-reply results (docs/sessions.md).

    Exit status: 0 everything scored; 3 answers or judgments left unscored or failed (see the
    summary; --allow-unscored makes it 0); 2 bad input; 130 interrupted (run it again to resume).
    """
    if cards_spec:
        if questions or questions_format or judge_empty or with_report:
            from ..errors import InputError

            raise InputError("--cards: --questions, --questions-format, --judge-empty and "
                             "--report are for single-reply runs, not sessions")
        return run_sessions(model_id=model_id, model_opt=model_opt, name=name, out=out,
                            cards_spec=cards_spec, client_id=client_id, client_opt=client_opt,
                            client_template=client_template, turns=turns, card_ids=card_ids,
                            samples=samples, per_turn=per_turn, judges=judges, judge_opt=judge_opt,
                            rubric=rubric, limit=limit, checks=checks, no_checks=no_checks,
                            no_retry_unscored=no_retry_unscored,
                            allow_unscored=allow_unscored, wait=wait, dry_run=dry_run)
    from ..plugins.registry import get_registry
    from ..run.execute import RunPlan
    from ..run.resolve import resolve_judges, resolve_questions, select

    model_opts = parse_pairs(model_opt, "--model-opt")
    judge_opts = parse_pairs(judge_opt, "--judge-opt")
    qset = resolve_questions(questions, questions_format)
    selected = select(qset, limit)
    model = get_registry().get_model(model_id, model_opts)
    model.check()
    resolved = resolve_judges(judges, judge_opts, rubric)
    label = plain_name(name) or model.label()
    out = out or default_out(run_folder(label), slug(label))
    check_out(out)
    plan = RunPlan(out=out, questions=qset, selected=selected, judges=resolved,
                   checks=chosen_checks(checks, no_checks, all_checks), model=model,
                   label=label, retry_unscored=not no_retry_unscored, judge_empty=judge_empty,
                   allow_unscored=allow_unscored, wait=wait,
                   arguments={"model": model_id, "model_opt": model_opts, "name": name,
                              "judges": [j.name for j in resolved], "judge_opt": judge_opts,
                              "questions": questions, "limit": limit, "rubric": rubric})
    if dry_run:
        return print_dry_run(plan)
    finish(plan, _reporter(), with_report)


@click.command()
@click.option("--answers", "-a", "answer_paths", multiple=True, metavar="FILE",
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
@click.option("--accept-prompt-mismatch", is_flag=True,
              help="Store an imported judgment as scored even when its prompt is not the "
                   "rubric's prompt for its question (by default it is stored unscored, with "
                   "the reason).")
@click.option("--import-name", help="Judge name for imported FastChat judgments (default: the "
                                    "judge model the file names, e.g. gpt-4).")
@click.option("--transcripts", "transcripts_path", type=click.Path(path_type=Path),
              metavar="FILE",
              help="Judge sessions held elsewhere instead of answers: OpenAI messages JSONL, "
                   "one conversation a line ({\"model\", \"card_id\", \"messages\"}; user = "
                   "client, assistant = counselor), on the session rubric (docs/sessions.md).")
@click.option("--cards", "cards_spec", metavar="NAME|FILE",
              help="With --transcripts: the card set the conversations' card_id name (for "
                   "the disclosure schedule and the referral measure).")
@click.option("--per-turn", is_flag=True,
              help="With --transcripts: also judge each counselor turn on the mentalgpt "
                   "rubric.")
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
def judge(answer_paths, name, max_answer_words, out, import_path, accept_prompt_mismatch,
          import_name, transcripts_path, cards_spec, per_turn, judge_mode, baseline, pairs,
          pair_seed, judges, judge_opt, rubric, questions, questions_format, limit, checks,
          all_checks, no_checks, judge_empty, no_retry_unscored, allow_unscored, wait,
          with_report, dry_run):
    """Judge answers produced elsewhere and write their leaderboard.

    Repeated answers to one question with different texts are samples, averaged per question;
    word-for-word repeats are dropped (and counted). With --import-judgments, judgments made
    elsewhere are stored as this run's (a FastChat failure, $ERROR$, is stored unscored).
    With --transcripts, judge whole conversations instead (see `run --cards`). Exit status as
    for `run`.
    """
    from ..errors import InputError
    from ..inputs.answers import expand_answer_paths, read_answers

    if transcripts_path is not None:
        if answer_paths or import_path or questions or with_report:
            raise InputError("--transcripts: not with --answers, --import-judgments, "
                             "--questions or --report")
        return judge_transcripts(path=transcripts_path, name=name, out=out,
                                 cards_spec=cards_spec, per_turn=per_turn, judges=judges,
                                 judge_opt=judge_opt, rubric=rubric, checks=checks,
                                 no_checks=no_checks, no_retry_unscored=no_retry_unscored,
                                 allow_unscored=allow_unscored, wait=wait, dry_run=dry_run)
    if not answer_paths:
        raise click.UsageError("Missing option '--answers' / '-a' (or give --transcripts)")
    if cards_spec or per_turn:
        raise InputError("--cards and --per-turn: only with --transcripts")
    from ..run.execute import RunPlan
    from ..run.resolve import resolve_judges, resolve_questions, select

    # Every name and option is checked before any file is read: a typo costs no waiting.
    paths = expand_answer_paths(answer_paths)
    plain_name(name)
    if name and len(paths) > 1:
        raise InputError("--name: only with one answers file (each file names its own model)")
    qset = resolve_questions(questions, questions_format)
    selected = select(qset, limit)
    judge_opts = parse_pairs(judge_opt, "--judge-opt")
    if import_path is not None:
        _check_import_options(import_path, judges, judge_opts)
    elif import_name:
        raise InputError("--import-name: only with --import-judgments")
    _check_pairwise_options(judge_mode, baseline, pairs, import_path)
    pairwise_rubric = None
    if judge_mode == "pairwise":
        from ..inputs.pairwise_rubric import resolve_pairwise_rubric

        pairwise_rubric = resolve_pairwise_rubric(rubric)
        rubric = None  # it named the pairwise rubric, not the judges' own
    resolved = () if import_path is not None else resolve_judges(judges, judge_opts, rubric)
    if judge_mode == "pairwise":
        _check_pairwise_judges(resolved)
    import_rubric = _import_rubric(rubric) if import_path is not None else None
    chosen = chosen_checks(checks, no_checks, all_checks, default=import_path is None)
    if out is not None:
        check_out(out)
    reporter = _reporter()
    files = []
    with reporter.stage("reading answer files", len(paths)) as advance:
        for p in paths:
            files.extend(read_answers(p, name, max_answer_words))
            advance(1)
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
    selected = tuple(q for q in selected if q.id in answered)
    imports = None
    if import_path is not None:
        with reporter.stage("reading judgments", None):
            imports = _imports(import_path, import_name, files, qset, selected, import_rubric,
                               accept_prompt_mismatch)
    pairwise = None
    if judge_mode == "pairwise":
        pairwise = _pairwise_plan(pairwise_rubric, baseline, pairs, pair_seed, files, selected)
    models = sorted({f.model for f in files})
    out = out or default_out(judged_folder(models), f"{slug('+'.join(models))}-judged")
    check_out(out)
    plan = RunPlan(out=out, questions=qset, selected=selected, judges=resolved,
                   checks=chosen, answer_files=tuple(files), imports=imports, pairwise=pairwise,
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
    finish(plan, reporter, with_report)


def _check_pairwise_options(judge_mode, baseline, pairs, import_path) -> None:
    """--judge-mode pairwise and its options, checked before any file is read."""
    from ..errors import InputError

    if judge_mode != "pairwise":
        if baseline or pairs != "all":
            raise InputError("--baseline/--pairs: only with --judge-mode pairwise")
        return
    if import_path is not None:
        raise InputError("--judge-mode pairwise: not with --import-judgments")
    if pairs != "all" and (not pairs.isdigit() or int(pairs) < 1):
        raise InputError(f"--pairs {pairs!r}: expected 'all' or a whole number >= 1")
    if baseline and pairs != "all":
        raise InputError("--pairs: not with --baseline (every model meets the baseline)")


def _pairwise_plan(rubric, baseline, pairs, seed, files, selected):
    """The pairwise plan, its pairs checked before anything is written."""
    from ..judging.pairwise import PairwisePlan, pair_tasks

    plan = PairwisePlan(rubric, baseline, pairs, seed)
    pair_tasks(plan, [a for f in files for a in f.answers], selected)
    return plan


def _check_pairwise_judges(judges):
    from ..errors import InputError

    for j in judges:
        if j.local_logprobs:
            raise InputError(f"--judge-mode pairwise: judge {j.name!r} scores by rating "
                             "probabilities in-process; pairwise judging needs a judge that "
                             "writes its verdicts (pass another -j, or --judge-opt mode=text)")


def _check_import_options(path, judges, judge_opts) -> None:
    from ..errors import InputError

    if judges or judge_opts:
        raise InputError("--import-judgments: the file's judges judge; -j/--judge and "
                         "--judge-opt are not allowed with it")
    from ..inputs.textfiles import require_regular

    require_regular(path, "a judgments file")
    if not Path(path).is_file():
        raise InputError(f"{path}: no such judgments file")


def _import_rubric(rubric):
    from ..inputs.judgment_import import DEFAULT_RUBRIC
    from ..run.resolve import resolve_rubric

    return resolve_rubric(rubric or DEFAULT_RUBRIC)


def _imports(path, import_name, files, qset, selected, rubric, accept_prompt_mismatch):
    """The judgments of --import-judgments, within the selected questions; notes on stderr."""
    from ..inputs.judgment_import import read_judgments

    imports = read_judgments(path, files, qset, rubric, import_name, accept_prompt_mismatch)
    for note in imports.notes:
        click.echo(note, err=True)
    return imports.within(q.id for q in selected)


COMMANDS = (run, judge)
