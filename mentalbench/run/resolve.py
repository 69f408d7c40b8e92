"""Turning names on a command line into checked objects: question sets, rubrics, judges, checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..inputs.questions import QuestionSet, load_questions
from ..inputs.rubric import Rubric, load_rubric
from ..inputs.suggest import did_you_mean
from ..judging.judge import Judge
from ..models.options import split_judge_options
from ..plugins.registry import NamedPath, get_registry
from ..records.base import Question

DEFAULT_QUESTIONS = "mentalbench-200"
DEFAULT_JUDGE = "smollm2"


def named_or_path(kind: str, spec: str, *, must_exist: bool = True
                  ) -> tuple[Path, NamedPath | None]:
    """Where a registered name (kind "questions" or "rubric") points, else `spec` as a path;
    with must_exist, a path that is not there is a one-line error listing the names known."""
    reg = get_registry()
    lookup, table = ((reg.question_set, reg.question_sets) if kind == "questions"
                     else (reg.rubric, reg.rubrics))
    named = lookup(spec)
    if named is not None:
        return named.path, named
    path = Path(spec)
    if must_exist and not path.exists():
        known = ", ".join(sorted(table)) or "none"
        what = "file, nor a registered set" if kind == "questions" else \
            "folder, nor a registered rubric"
        raise InputError(f"{kind} {spec!r}: no such {what}{did_you_mean(spec, table)}; "
                         f"known: {known}")
    return path, None


def resolve_questions(spec: str | None, format: str | None = None) -> QuestionSet:
    """A registered question-set name or a path; the bundled set by default."""
    path, named = named_or_path("questions", spec or DEFAULT_QUESTIONS)
    if named is not None:
        return load_questions(path, format or named.format, name=named.name)
    return load_questions(path, format)


def resolve_rubric(name_or_path: str) -> Rubric:
    """A registered rubric name or a rubric folder (load_rubric names what is wrong with it)."""
    reg = get_registry()
    looks_like_path = any(c in name_or_path for c in "/\\.")
    if reg.rubric(name_or_path) is None and not looks_like_path and not Path(name_or_path).exists():
        raise InputError(f"rubric {name_or_path!r}: no such folder, nor a registered rubric"
                         f"{did_you_mean(name_or_path, reg.rubrics)}; rubrics: "
                         f"{', '.join(sorted(reg.rubrics)) or 'none'}")
    return load_rubric(named_or_path("rubric", name_or_path, must_exist=False)[0])


def resolve_judges(names: Sequence[str], options: Mapping[str, str],
                   rubric_override: str | None) -> tuple[Judge, ...]:
    """Judges for the names given, each with its own options (`name.k=v`) and the shared ones."""
    reg = get_registry()
    names = list(names) or [DEFAULT_JUDGE]
    if len({reg.judge_aliases.get(n, n) for n in names}) != len(names):
        raise InputError("--judge: the same judge is named twice")
    per_judge = split_judge_options(dict(options), names, reg.judge_aliases)
    judges = []
    for name in names:
        spec = reg.judge_spec(name, per_judge[name])
        # samples is the judge's, not the model's: how many times to ask, keeping the median.
        model_options = dict(spec.options)
        samples = _samples(name, model_options.pop("samples", 1))
        spec = dataclasses.replace(spec, options=model_options)
        rubric = resolve_rubric(rubric_override or spec.rubric)
        model = reg.get_model(spec.model, spec.options)
        model.check()
        if spec.mode == "logprobs" and not (model.supports_choice_scores
                                            or model.supports_top_logprobs):
            raise InputError(f"judge {name!r}: mode=logprobs needs a local model or an API "
                             f"that returns top logprobs (openai:); {spec.model} has neither")
        if samples > 1 and spec.mode == "logprobs" and model.supports_choice_scores:
            raise InputError(f"judge {name!r}: samples={samples} with a local logprobs judge "
                             "would read the same distribution each time; use mode=text")
        judges.append(Judge(spec, model, rubric, samples))
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
