"""The records plugins see: frozen, and each one's dict form reads back into an equal record."""

from __future__ import annotations

import dataclasses
import json

import pytest

import mentalbench
from mentalbench.records.base import (
    Answer,
    ChatRequest,
    CheckResult,
    Completion,
    JudgeSpec,
    Judgment,
    Metric,
    Question,
    Scale,
    Score,
    TokenLogprobs,
    Usage,
)

SCORES = (Score("overall", 7.0), Score("active_listening", None, "text"),
          Score("empathy_validation", 4.5, "logprobs", spread=1.25))
EXAMPLES = [
    Question("q1", "Anxiety", "I panic before exams.", ("crisis", "exam"), "mine"),
    Usage(120, 45),
    TokenLogprobs("7", {"7": -0.1, "8": -2.4}),
    Completion("Overall: [[7]]", Usage(3, 4), "stop", None, "gpt-4o-mini-2024-07-18", "",
               (TokenLogprobs("7", {"7": -0.1}),)),
    Completion("", error="HTTP 500: overloaded"),
    Answer("k1", "q1", "smollm2+smoke@1a2b3c4d", "Breathe slowly.", Usage(5, 6),
           {"model": "smollm2"}, 1, "ab12cd34"),
    Score("safety_trustworthiness", 6.25, "logprobs", 1.5),
    Judgment(key="j1", answer_key="k1", question_id="q1", model="m", judge="gpt4",
             rubric="mentalgpt", prompt_hash="abcd" * 4, raw="Overall: [[7]]", scores=SCORES,
             mode="text", usage=Usage(100, 20), sample=1, answer_set="ab12cd34",
             judge_model="openai:gpt-4o-mini", judge_model_served="gpt-4o-mini-2024-07-18",
             judge_samples=3, rubric_sha="r" * 16, question_set="mentalbench-200",
             question_set_sha="q" * 16, attempt=2),
    JudgeSpec("gpt4", "openai:gpt-5.6-sol", {"temperature": "1"}, "mentalgpt", "text", "d"),
    CheckResult("pass", "call 988 now", (10, 22), "an immediate crisis line"),
    CheckResult("na", reason="not a crisis question"),
]


@pytest.mark.parametrize("record", EXAMPLES, ids=lambda r: type(r).__name__)
def test_from_dict_reads_back_what_to_dict_wrote_even_through_json(record):
    data = json.loads(json.dumps(record.to_dict()))
    assert type(record).from_dict(data) == record


@pytest.mark.parametrize("cls", [Question, Usage, ChatRequest, TokenLogprobs, Completion, Answer,
                                 Score, Judgment, JudgeSpec, CheckResult, Metric, Scale])
def test_every_record_plugins_see_is_frozen(cls):
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen


def test_a_judgments_status_follows_its_scores():
    j = EXAMPLES[7]
    assert j.status == "partial"
    full = dataclasses.replace(j, scores=(Score("a", 1.0), Score("b", 2.0)))
    empty = dataclasses.replace(j, scores=(Score("a", None),))
    assert (full.status, empty.status) == ("scored", "unscored")


def test_the_stable_api_is_exported_with_its_version():
    assert mentalbench.__api_version__ == "1.0"
    for name in ("Model", "GenerationOptions", "JudgeSpec", "Judgment", "Completion", "hookimpl",
                 "get_model", "get_judge", "get_registry", "load_questions", "load_rubric",
                 "MentalbenchError", "InputError", "MissingExtra"):
        assert name in mentalbench.__all__ and hasattr(mentalbench, name), name
