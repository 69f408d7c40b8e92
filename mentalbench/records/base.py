"""Plain frozen records that flow through a run and that plugins see; each round-trips a dict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .identity import JudgmentIdentity


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
    def from_dict(cls, row: Mapping[str, Any]) -> Question:
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

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any] | None) -> Usage:
        row = row or {}
        return cls(int(row.get("prompt_tokens", 0)), int(row.get("completion_tokens", 0)))


@dataclass(frozen=True)
class ChatRequest:
    """A conversation to complete, with a stable key for caching and de-duplication."""

    messages: tuple[dict[str, str], ...]
    key: str = ""


@dataclass(frozen=True)
class TokenLogprobs:
    """One generated token and the log-probabilities of the alternatives the API returned."""

    token: str
    top: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "top": dict(self.top)}

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> TokenLogprobs:
        return cls(str(row["token"]), {str(k): float(v) for k, v in row["top"].items()})


@dataclass(frozen=True)
class Completion:
    """What a model returned for one request; `error` is set instead of raising."""

    text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = ""
    error: str | None = None
    served_model: str = ""  # the model the provider says answered (APIs report it per reply)
    engine: str = ""  # the local decoding path that produced it (provenance)
    logprobs: tuple[TokenLogprobs, ...] = ()  # per generated token, when top logprobs were asked

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "usage": self.usage.to_dict(),
                "finish_reason": self.finish_reason, "error": self.error,
                "served_model": self.served_model, "engine": self.engine,
                "logprobs": [t.to_dict() for t in self.logprobs]}

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Completion:
        return cls(text=str(row.get("text", "")), usage=Usage.from_dict(row.get("usage")),
                   finish_reason=str(row.get("finish_reason") or ""), error=row.get("error"),
                   served_model=str(row.get("served_model") or ""),
                   engine=str(row.get("engine") or ""),
                   logprobs=tuple(TokenLogprobs.from_dict(t) for t in row.get("logprobs") or ()))


@dataclass(frozen=True)
class Answer:
    """A model's answer to one question, with the provenance that produced it."""

    key: str
    question_id: str
    model: str  # the label the leaderboard shows (--name, or the model id)
    text: str
    usage: Usage = field(default_factory=Usage)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    sample: int = 0  # k answers to one question (repeated generations) are samples 0..k-1
    answer_set: str = ""  # 8 hex digits naming what produced the answers (model identity or file)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "question_id": self.question_id, "model": self.model,
                "sample": self.sample, "answer_set": self.answer_set, "text": self.text,
                "usage": self.usage.to_dict(), "provenance": dict(self.provenance)}

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Answer:
        return cls(key=str(row["key"]), question_id=str(row["question_id"]),
                   model=str(row["model"]), text=str(row["text"]),
                   usage=Usage.from_dict(row.get("usage")),
                   provenance=dict(row.get("provenance") or {}),
                   sample=int(row.get("sample", 0)), answer_set=str(row.get("answer_set", "")))


@dataclass(frozen=True)
class Score:
    """One metric's rating; `value` is None when the judge gave no usable rating."""

    metric: str
    value: float | None
    mode: str = "text"
    spread: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Score:
        value, spread = row.get("value"), row.get("spread")
        return cls(str(row["metric"]), None if value is None else float(value),
                   str(row.get("mode", "text")), None if spread is None else float(spread))


#: A judgment is scored when every rated slot has a value, partial when some do, else unscored.
SCORED, PARTIAL, UNSCORED = "scored", "partial", "unscored"
#: A judgment that could not be made is stored as a row with one of these statuses and an error.
FAILED, UNANSWERED, EMPTY = "failed", "unanswered", "empty"
MADE = (SCORED, PARTIAL, UNSCORED)
NOT_MADE = (FAILED, UNANSWERED, EMPTY)


@dataclass(frozen=True, kw_only=True)
class Judgment(JudgmentIdentity):
    """A judge's verdict on one answer (or why there is none), with the identity that keeps it
    apart from others (see identity.py)."""

    key: str
    answer_key: str = ""
    prompt_hash: str = ""  # sha256 of every message of the judge prompt (system and user), 16 hex
    raw: str = ""
    scores: tuple[Score, ...] = ()
    usage: Usage = field(default_factory=Usage)
    judge_model_served: str = ""  # the model the API reported serving (provenance, not identity)
    judge_samples: int = 1  # how many replies the judge's median is over
    attempt: int = 0  # 0 for the first try; a rerun that asks again for an unscored one adds 1
    failure: str = ""  # failed | unanswered | empty when no verdict could be had, else ""
    error: str = ""  # why there is no verdict ("" for a made judgment)

    def score(self, metric: str) -> float | None:
        for s in self.scores:
            if s.metric == metric:
                return s.value
        return None

    @property
    def complete(self) -> bool:
        return all(s.value is not None for s in self.scores)

    @property
    def made(self) -> bool:
        """Whether the judge gave a reply (rated or not), as opposed to a recorded failure."""
        return not self.failure

    @property
    def status(self) -> str:
        """scored (every slot rated), partial (some), unscored (none), or why none was made."""
        if self.failure:
            return self.failure
        rated = sum(s.value is not None for s in self.scores)
        return SCORED if self.scores and rated == len(self.scores) else (
            PARTIAL if rated else UNSCORED)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("scores", "usage", "failure")}
        out["status"] = self.status
        out["scores"] = {s.metric: s.value for s in self.scores}
        out["spread"] = {s.metric: s.spread for s in self.scores if s.spread is not None}
        out["score_modes"] = {s.metric: s.mode for s in self.scores}
        out["usage"] = self.usage.to_dict()
        return out

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Judgment:
        spread = row.get("spread") or {}
        modes = row.get("score_modes") or {}
        scores = tuple(Score(k, None if v is None else float(v), modes.get(k, row.get("mode", "text")),
                             spread.get(k)) for k, v in (row.get("scores") or {}).items())
        names = {f for f in cls.__dataclass_fields__ if f not in ("scores", "usage", "failure")}
        kwargs = {k: row[k] for k in names if k in row}
        failure = row.get("status") if row.get("status") in NOT_MADE else ""
        return cls(**kwargs, scores=scores, usage=Usage.from_dict(row.get("usage")),
                   failure=failure)


@dataclass(frozen=True)
class JudgeSpec:
    """A named judge: which model, with which options, rubric and scoring mode."""

    name: str
    model: str
    options: Mapping[str, Any] = field(default_factory=dict)
    rubric: str = "mentalgpt"
    mode: str = "text"
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "options": dict(self.options)}

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> JudgeSpec:
        return cls(name=str(row["name"]), model=str(row["model"]),
                   options=dict(row.get("options") or {}), rubric=str(row.get("rubric", "mentalgpt")),
                   mode=str(row.get("mode", "text")), description=str(row.get("description", "")))


@dataclass(frozen=True)
class CheckResult:
    """A deterministic check's verdict on one answer: pass, fail or na, with the evidence."""

    status: str  # "pass" | "fail" | "na" (the check does not apply to this question)
    evidence: str = ""  # the text of the answer that decided it (empty when none)
    span: tuple[int, int] | None = None  # [start, end) character offsets of evidence in the answer
    reason: str = ""  # one short line: why it passed, failed or did not apply

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "evidence": self.evidence,
                "span": list(self.span) if self.span else None, "reason": self.reason}

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> CheckResult:
        span = row.get("span")
        return cls(str(row["status"]), str(row.get("evidence", "")),
                   (int(span[0]), int(span[1])) if span else None, str(row.get("reason", "")))


@dataclass(frozen=True)
class Metric:
    """One rated dimension: its column key, display name and definition."""

    key: str
    name: str
    definition: str = ""


@dataclass(frozen=True)
class Scale:
    """The rating range and the anchors that explain it."""

    min: int
    max: int
    anchors: tuple[tuple[int, str], ...]
