"""Pairwise votes: one verdict (A, B or tie, per metric) on two answers to one question."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .base import Usage

#: Verdicts in a vote's own terms: model_a's answer won, model_b's won, or neither.
A, B, TIE = "a", "b", "tie"
#: A vote is scored when every rated slot has a verdict, partial when some do, unscored when
#: none do; failed when the judge gave no reply at all (error says why).
SCORED, PARTIAL, UNSCORED, FAILED = "scored", "partial", "unscored", "failed"


@dataclass(frozen=True)
class PairwiseIdentity:
    """Everything that keeps one pairwise vote apart from another; its fields drive the table."""

    question_id: str
    model_a: str
    answer_set_a: str
    answer_key_a: str
    model_b: str
    answer_set_b: str
    answer_key_b: str
    judge: str  # a registered judge's name, or human:<rater>
    judge_model: str
    rubric: str
    rubric_sha: str
    question_set: str
    question_set_sha: str
    shown_first: str  # "a": model_a's answer was shown first (as "A"); "b": model_b's was


IDENTITY_FIELDS = tuple(f.name for f in fields(PairwiseIdentity))


@dataclass(frozen=True)
class PairwiseVote:
    """One judge's (or rater's) verdicts on a pair of answers shown in one order."""

    key: str
    identity: PairwiseIdentity
    verdicts: Mapping[str, str | None]  # metric key -> a | b | tie | None, in model terms
    status: str
    mode: str = "text"  # text | import | human
    raw: str = ""
    error: str = ""
    usage: Usage = field(default_factory=Usage)
    judge_model_served: str = ""
    attempt: int = 0
    seconds: float = 0.0  # time a human rater spent on it
    comment: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (SCORED, PARTIAL)

    def verdict(self, metric: str) -> str | None:
        return self.verdicts.get(metric)

    def to_dict(self) -> dict[str, Any]:
        out = {"key": self.key, **asdict(self.identity)}
        out.update({k: v for k, v in asdict(self).items() if k not in ("key", "identity")})
        out["verdicts"] = dict(self.verdicts)
        out["usage"] = self.usage.to_dict()
        return out

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> PairwiseVote:
        ident = PairwiseIdentity(**{k: str(row.get(k, "")) for k in IDENTITY_FIELDS})
        return cls(key=str(row["key"]), identity=ident, verdicts=dict(row.get("verdicts") or {}),
                   status=str(row["status"]), mode=str(row.get("mode", "text")),
                   raw=str(row.get("raw", "")), error=str(row.get("error", "")),
                   usage=Usage.from_dict(row.get("usage")),
                   judge_model_served=str(row.get("judge_model_served", "")),
                   attempt=int(row.get("attempt", 0)), seconds=float(row.get("seconds", 0.0)),
                   comment=str(row.get("comment", "")))


def status_of(verdicts: Mapping[str, str | None]) -> str:
    """scored, partial or unscored, from how many slots have a verdict."""
    given = sum(v is not None for v in verdicts.values())
    return SCORED if verdicts and given == len(verdicts) else (PARTIAL if given else UNSCORED)


def flip(verdict: str | None) -> str | None:
    """A verdict in the other side's terms (A<->B); tie and None stay."""
    return {A: B, B: A}.get(verdict, verdict) if verdict else verdict
