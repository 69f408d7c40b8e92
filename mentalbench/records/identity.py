"""What keeps one answer or judgment apart from another, declared once.

The store's judgment columns, the results table, the "same judgment" key, the leaderboard's
grouping and the report's judge labels are all derived from these fields: adding a field here
(and a migration that adds its column in store_schema.py) is the whole change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, kw_only=True)
class AnswerIdentity:
    """Which answer: the model's label and answer set, the question and the sample."""

    model: str  # the label the leaderboard shows (--name, or the model id)
    answer_set: str = ""  # 8 hex digits naming what produced the answers (model identity or file)
    question_id: str
    sample: int = 0  # k answers to one question (repeated generations) are samples 0..k-1


@dataclass(frozen=True, kw_only=True)
class JudgmentIdentity(AnswerIdentity):
    """Which judgment of that answer: judge, the model it asked for, scoring mode, rubric and
    question set. The model an API says it served is provenance, not identity."""

    judge: str  # the judge's registered name
    judge_model: str = ""  # the model the judge asked for (e.g. openai:gpt-4o-mini)
    mode: str = "text"  # text | logprobs | import
    rubric: str = ""
    rubric_sha: str = ""
    question_set: str = ""
    question_set_sha: str = ""


ANSWER_FIELDS = tuple(f.name for f in fields(AnswerIdentity))
JUDGMENT_FIELDS = tuple(f.name for f in fields(JudgmentIdentity))
#: The judgment's own part of its identity (what sets one judge's rows apart from another's).
JUDGE_FIELDS = tuple(n for n in JUDGMENT_FIELDS if n not in ANSWER_FIELDS)
#: Fields one report section holds to a single value (it refuses to mix rubrics or question sets).
SECTION_FIELDS = ("rubric", "rubric_sha", "question_set", "question_set_sha")
#: Fields a leaderboard row or a report section does not split on: one row covers every question
#: and sample.
PER_ITEM = ("question_id", "sample")


def identity_of(record: Any, names: tuple[str, ...] = JUDGMENT_FIELDS) -> dict[str, Any]:
    """The identity fields of a record, by name."""
    return {n: getattr(record, n) for n in names}
