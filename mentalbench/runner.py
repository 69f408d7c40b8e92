"""One benchmark run: resolve and check everything, then answer, judge, export and rank."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .files import write_atomic, write_jsonl
from .generation import answer_key, run_generation
from .judging import Judge, JudgeTask, run_judging
from .leaderboard import leaderboard
from .models import Model
from .options import redact, redact_argv
from .pricing import spend
from .progress import Reporter
from .questions import QuestionSet, load_questions
from .records import Answer, Question
from .registry import get_registry
from .rubric import Rubric, load_rubric
from .store import Store

DEFAULT_QUESTIONS = "mentalbench-200"


@dataclass(frozen=True)
class RunPlan:
    """Everything a run needs, resolved and checked before anything is written."""

    out: Path
    questions: QuestionSet
    selected: tuple[Question, ...]
    judges: tuple[Judge, ...]
    model: Model | None = None
    label: str = ""
    answers_file: Path | None = None
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSummary:
    """What a run did, for the command line to report."""

    out: Path
    answered: int
    generated: int
    judged: int
    failures: int
    seconds: float
    spend: tuple[dict[str, Any], ...] = ()  # tokens and dollars per model and judge


def resolve_questions(spec: str | None, format: str | None = None) -> QuestionSet:
    """A registered question-set name or a path; the bundled set by default."""
    reg = get_registry()
    name = spec or DEFAULT_QUESTIONS
    named = reg.question_set(name)
    if named is not None:
        return load_questions(named.path, format or named.format, name=named.name)
    path = Path(name)
    if not path.exists():
        known = ", ".join(sorted(reg.question_sets)) or "none"
        raise InputError(f"questions {name!r}: no such file, nor a registered set ({known})")
    return load_questions(path, format)


def resolve_rubric(name_or_path: str) -> Rubric:
    named = get_registry().rubric(name_or_path)
    return load_rubric(named.path if named else name_or_path)


def resolve_judges(names: Sequence[str], options: dict[str, Any],
                   rubric_override: str | None) -> tuple[Judge, ...]:
    reg = get_registry()
    judges = []
    for name in names:
        spec = reg.judge_spec(name, options)
        # samples is the judge's, not the model's: how many times to ask, keeping the median.
        model_options = dict(spec.options)
        samples = _samples(name, model_options.pop("samples", 1))
        spec = dataclasses.replace(spec, options=model_options)
        rubric = resolve_rubric(rubric_override or spec.rubric)
        model = reg.get_model(spec.model, spec.options)
        model.check()
        top_logprobs = getattr(model, "supports_top_logprobs", False)
        if spec.mode == "logprobs" and not (model.supports_choice_scores or top_logprobs):
            raise InputError(f"judge {name!r}: mode=logprobs needs a local model or an API "
                             f"that returns top logprobs (openai:); {spec.model} has neither")
        if samples > 1 and spec.mode == "logprobs" and model.supports_choice_scores:
            raise InputError(f"judge {name!r}: samples={samples} with a local logprobs judge "
                             "would read the same distribution each time; use mode=text")
        judges.append(Judge(spec, model, rubric, samples))
    if len({j.name for j in judges}) != len(judges):
        raise InputError("--judge: the same judge is named twice")
    return tuple(judges)


def _samples(judge: str, value: Any) -> int:
    try:
        samples = int(value)
    except (TypeError, ValueError):
        samples = 0
    if samples < 1:
        raise InputError(f"judge {judge!r}: option samples={value!r}: expected a whole number >= 1")
    return samples


def select(questions: QuestionSet, limit: int | None) -> tuple[Question, ...]:
    if limit is not None and limit < 1:
        raise InputError(f"--limit {limit}: expected a positive number")
    return questions.questions[:limit] if limit else questions.questions


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("mentalbench", "torch", "transformers", "peft", "bitsandbytes", "vllm", "openai",
                 "google-genai"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def _judgment_rows(judge: Judge, tasks: Sequence[JudgeTask], judged: dict, store: Store,
                   missing: dict[str, tuple[str, str]]) -> list[dict]:
    """One row per question: the judgment, or an unscored row saying why there is none."""
    failures = store.failures(judge.key(t.answer) for t in tasks)
    rows = []
    for t in tasks:
        key = judge.key(t.answer)
        # The answer's own hash: the same text judged in a run and again through `judge`
        # (which keys answers differently) is one answer to a merged leaderboard.
        text = {"answer_sha256": hashlib.sha256(t.answer.text.encode("utf-8")).hexdigest()}
        if key in judged:
            rows.append({**judged[key].to_dict(), **text})
        else:
            rows.append({"key": key, "question_id": t.question.id, "model": t.answer.model,
                         "judge": judge.name, "rubric": judge.rubric.name, "mode": judge.spec.mode,
                         "scores": {m.key: None for m in judge.rubric.rated},
                         "error": failures.get(key, "not judged"), **text})
    for qid, (model, error) in missing.items():
        rows.append({"key": f"unanswered:{qid}:{model}:{judge.name}", "question_id": qid,
                     "model": model, "judge": judge.name, "rubric": judge.rubric.name,
                     "mode": judge.spec.mode, "scores": {m.key: None for m in judge.rubric.rated},
                     "error": f"no answer: {error}"})
    return rows


def execute(plan: RunPlan, answers: dict[str, Answer] | None, reporter: Reporter) -> RunSummary:
    """Run the plan; `answers` given means judge those instead of generating."""
    started = time.time()
    plan.out.mkdir(parents=True, exist_ok=True)
    store = Store(plan.out / "store.sqlite")
    try:
        timings: dict[str, float] = {}
        missing: dict[str, tuple[str, str]] = {}
        generated = 0
        stored_answers: set[str] = set()
        if answers is None:
            assert plan.model is not None
            stored_answers = set(store.answers(answer_key(plan.model, q) for q in plan.selected))
            t0 = time.time()
            answers, errors, generated = run_generation(plan.model, plan.label, plan.selected,
                                                        store, reporter)
            timings["answering_s"] = round(time.time() - t0, 2)
            missing = {qid: (plan.label, err) for qid, err in errors.items()}
        by_id = {q.id: q for q in plan.selected}
        tasks = [JudgeTask(a, by_id[qid]) for qid, a in answers.items() if qid in by_id]
        rows: list[dict] = []
        judged_new = 0
        costs = []
        if plan.model is not None:
            costs.append(spend("answering", plan.label, plan.model,
                               [a.usage for a in answers.values()],
                               [a.usage for a in answers.values() if a.key not in stored_answers]))
        for judge in plan.judges:
            t0 = time.time()
            before = set(store.judgments(judge.key(t.answer) for t in tasks))
            judged = run_judging(judge, tasks, store, reporter)
            judged_new += len(judged) - len(before)
            timings[f"judging_s[{judge.name}]"] = round(time.time() - t0, 2)
            rows += _judgment_rows(judge, tasks, judged, store, missing)
            costs.append(spend("judging", judge.name, judge.model,
                               [j.usage for j in judged.values()],
                               [j.usage for k, j in judged.items() if k not in before]))
        _export(plan, answers, rows, timings, store, costs)
        failures = sum(1 for r in rows if r.get("error"))
        return RunSummary(plan.out, len(answers), generated, judged_new, failures,
                          round(time.time() - started, 2), tuple(costs))
    finally:
        store.close()
        for model in [plan.model, *(j.model for j in plan.judges)]:
            if model is not None:
                model.close()  # API clients and their event loops


def _export(plan: RunPlan, answers: dict[str, Answer], rows: list[dict],
            timings: dict[str, float], store: Store, costs: list[dict[str, Any]]) -> None:
    order = {q.id: i for i, q in enumerate(plan.selected)}
    ordered = sorted(answers.values(), key=lambda a: order.get(a.question_id, len(order)))
    write_jsonl(plan.out / "answers.jsonl", (a.to_dict() for a in ordered))
    rows.sort(key=lambda r: (r["judge"], order.get(r["question_id"], len(order))))
    write_jsonl(plan.out / "judgments.jsonl", rows)
    metric_keys = list(dict.fromkeys(m.key for j in plan.judges for m in j.rubric.rated))
    board = leaderboard(rows, metric_keys)
    write_atomic(plan.out / "leaderboard.csv", board.to_csv(index=False))
    tokens = {"answers": {"prompt": sum(a.usage.prompt_tokens for a in answers.values()),
                          "completion": sum(a.usage.completion_tokens for a in answers.values())}}
    manifest = {
        "mentalbench_manifest": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join(redact_argv(sys.argv)),
        "arguments": {k: redact(v) if isinstance(v, dict) else v
                      for k, v in plan.arguments.items()},
        "versions": versions(),
        "questions": {"name": plan.questions.name, "path": str(plan.questions.path),
                      "format": plan.questions.format, "sha256": plan.questions.sha256,
                      "selected": len(plan.selected)},
        "model": ({"label": plan.label, "identity": plan.model.identity()} if plan.model
                  else {"answers_file": str(plan.answers_file)}),
        "judges": [{"name": j.name, "model": j.spec.model, "mode": j.spec.mode,
                    "options": redact(j.spec.options), "samples": j.samples,
                    "rubric": j.rubric.name,
                    "rubric_sha256": j.rubric.sha256} for j in plan.judges],
        "counts": {"answers": len(answers), "judgments": len(rows),
                   "scored": int(board["n_scored"].sum()) if len(board) else 0,
                   "failures": sum(1 for r in rows if r.get("error"))},
        "tokens": tokens,
        "cost": costs,
        "timings": timings,
    }
    write_atomic(plan.out / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")
