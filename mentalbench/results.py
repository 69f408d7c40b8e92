"""Everything one or more run directories hold, as tables: what leaderboards and reports read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: One row per judgment (or per answer that could not be judged), in `Results.judgments`.
JUDGMENT_COLUMNS = (
    "source",              # the run directory the row came from
    "model",               # display label: unique per answer set (suffixed "@<answer_set>" on a clash)
    "model_label",         # the label as stored (the --name, or the model id)
    "answer_set",          # 8 hex digits: the model identity (or answers file content) behind the answers
    "question_id",
    "sample",              # answer sample index, 0..k-1 (k > 1 when a model answered a question k times)
    "judge",               # the judge's registered name (e.g. gpt4)
    "judge_label",         # judge, suffixed "/<judge_model_served>" when one judge served several models
    "judge_model",         # the model the judge asked for (e.g. openai:gpt-4o-mini)
    "judge_model_served",  # the model the API reported serving (e.g. gpt-4o-mini-2024-07-18)
    "rubric", "rubric_sha",
    "question_set", "question_set_sha",
    "mode",                # text | logprobs | import
    "status",              # scored | partial | unscored | failed | unanswered
    "error",               # why a failed/unanswered row has no scores ("" otherwise)
    "answer_key", "answer_sha256",
    "words",               # the answer's length in words (NaN when there is no answer)
    "completion_tokens",
    "raw",                 # the judge's own text
    # ... then one float column per rated key of the rubrics (the metrics, and "overall"):
    # NaN where that key has no rating.
)


@dataclass(frozen=True)
class MetricInfo:
    """One rated key of a rubric: its column name and display name."""

    key: str
    name: str
    overall: bool = False  # the judge's own overall rating, not a rubric metric


@dataclass(frozen=True)
class Results:
    """The run stores of one or more directories, as pandas tables (see the *_COLUMNS docs)."""

    judgments: pd.DataFrame
    answers: pd.DataFrame   # model, answer_set, question_id, sample, answer_key, text, words, tokens
    questions: pd.DataFrame  # question_set, question_set_sha, question_id, position, topic, tags, text
    checks: pd.DataFrame    # model, answer_set, question_id, sample, check, check_version, status,
    #                         evidence, reason, question_set, question_set_sha
    metrics: tuple[MetricInfo, ...]  # the rubric metrics in order, then "overall" if rated
    sources: tuple[dict, ...] = field(default_factory=tuple)  # per directory: path, invocations

    @property
    def metric_keys(self) -> list[str]:
        """The rubric's own metrics (without overall), in rubric order."""
        return [m.key for m in self.metrics if not m.overall]


def load_results(run_dirs: list[Path]) -> Results:
    """Read every run directory's store into one Results (identities kept apart)."""
    raise NotImplementedError("written with the store's schema 2")
