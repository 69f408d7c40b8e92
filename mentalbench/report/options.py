"""What a report covers and how its statistics are drawn."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..results.bootstrap import RESAMPLES, SEED  # the one seed policy of every interval of a mean

#: Fewer resamples than this make a 95% percentile interval rest on a handful of draws.
MIN_RESAMPLES = 100


@dataclass(frozen=True)
class ReportOptions:
    """The choices behind one report (all recorded in its manifest)."""

    resamples: int = RESAMPLES
    seed: int = SEED
    baseline: str | None = None  # a model to count metric wins against (the paper's Table 2)
    length_reference: tuple[str, ...] = ()  # LC's length curve fitted on these models alone
    judges: tuple[str, ...] = ()  # judge names or labels to keep (empty: all)
    metrics: tuple[str, ...] = ()  # metric keys to report (empty: all, overall, metrics_mean)
    question_set: str | None = None  # the question set to report when the runs hold several
    rubric: str | None = None  # the rubric to report when the runs hold several

    def __post_init__(self):
        if len(set(self.length_reference)) != len(self.length_reference):
            raise InputError("--length-reference: a model is named twice")
        if len(self.length_reference) == 1:
            raise InputError("--length-reference: expected at least two models (one model "
                             "alone cannot tell its length effect from question difficulty)")
        if self.resamples < MIN_RESAMPLES:
            raise InputError(f"resamples: expected at least {MIN_RESAMPLES}, got "
                             f"{self.resamples}")
