"""Plain frozen records that flow through a run: questions, answers, judgments, scores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Question:
    """One help-seeking message of a question set."""

    id: str
    topic: str
    text: str
    tags: tuple[str, ...] = ()
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "topic": self.topic, "text": self.text,
                "tags": list(self.tags), "source": self.source}

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Question:
        return cls(id=str(row["id"]), topic=str(row.get("topic", "")), text=str(row["text"]),
                   tags=tuple(row.get("tags") or ()), source=str(row.get("source", "")))


@dataclass(frozen=True)
class Usage:
    """Token counts of one model call."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens,
                     self.completion_tokens + other.completion_tokens)


@dataclass(frozen=True)
class ChatRequest:
    """A conversation to complete, with a stable key for caching and de-duplication."""

    messages: tuple[dict[str, str], ...]
    key: str = ""


@dataclass(frozen=True)
class Completion:
    """What a model returned for one request; `error` is set instead of raising."""

    text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = ""
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Answer:
    """A model's answer to one question, with the provenance that produced it."""

    key: str
    question_id: str
    model: str
    text: str
    usage: Usage
    provenance: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "question_id": self.question_id, "model": self.model,
                "text": self.text, "usage": asdict(self.usage), "provenance": self.provenance}


@dataclass(frozen=True)
class Score:
    """One metric's rating; `value` is None when the judge gave no usable rating."""

    metric: str
    value: float | None
    mode: str = "text"
    spread: float | None = None


@dataclass(frozen=True)
class Judgment:
    """A judge's verdict on one answer: per-metric scores plus the raw text behind them."""

    key: str
    answer_key: str
    question_id: str
    model: str
    judge: str
    rubric: str
    prompt_hash: str
    raw: str
    scores: tuple[Score, ...]
    mode: str
    usage: Usage = field(default_factory=Usage)

    def score(self, metric: str) -> float | None:
        for s in self.scores:
            if s.metric == metric:
                return s.value
        return None

    @property
    def complete(self) -> bool:
        return all(s.value is not None for s in self.scores)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "answer_key": self.answer_key, "question_id": self.question_id,
                "model": self.model, "judge": self.judge, "rubric": self.rubric,
                "prompt_hash": self.prompt_hash, "mode": self.mode,
                "scores": {s.metric: s.value for s in self.scores},
                "spread": {s.metric: s.spread for s in self.scores if s.spread is not None},
                "raw": self.raw, "usage": asdict(self.usage)}


@dataclass(frozen=True)
class JudgeSpec:
    """A named judge: which model, with which options, rubric and scoring mode."""

    name: str
    model: str
    options: dict[str, Any] = field(default_factory=dict)
    rubric: str = "mentalgpt"
    mode: str = "text"
    description: str = ""


@dataclass(frozen=True)
class CheckResult:
    """A deterministic check's verdict on one answer: pass, fail or na, with the evidence."""

    status: str  # "pass" | "fail" | "na" (the check does not apply to this question)
    evidence: str = ""  # the text of the answer that decided it (empty when none)
    span: tuple[int, int] | None = None  # [start, end) character offsets of evidence in the answer
    reason: str = ""  # one short line: why it passed, failed or did not apply
