"""A judge: a model bound to a rubric, a scoring mode and a number of samples; its prompts, keys,
and the pure assembly of a Judgment from the replies it got."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..inputs.rubric import Rubric
from ..models.base import Model
from ..records.base import Answer, Completion, JudgeSpec, Judgment, Question, Score, Usage
from ..records.hashing import content_key, prompt_hash
from ..verdicts.parse import median_scores, merge_scores, parse_ratings, slot_scores, text_scores


@dataclass(frozen=True)
class JudgeTask:
    """One answer to judge, with the question it answers."""

    answer: Answer
    question: Question


@dataclass(frozen=True)
class JudgeContext:
    """What a run knows about where its answers come from: part of every judgment's identity."""

    question_set: str = ""
    question_set_sha: str = ""


@dataclass(frozen=True)
class Prompt:
    """The judge conversation for one answer, its hash, and the texts the judge may quote."""

    messages: tuple[dict[str, str], ...]
    hash: str
    quoted: tuple[str, ...]  # question and answer as the judge saw them: what it may quote


#: Alternatives asked for at each token when an API judge scores by logprobs (OpenAI's maximum).
TOP_LOGPROBS = 20


class Judge:
    """A judge model bound to a rubric, a scoring mode and a number of samples."""

    def __init__(self, spec: JudgeSpec, model: Model, rubric: Rubric, samples: int = 1):
        self.spec = spec
        self.model = model
        self.rubric = rubric
        self.samples = samples

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def asked_model(self) -> str:
        """The model the judge asks for, as its identity names it (e.g. openai:gpt-4o-mini)."""
        return str(self.model.identity().get("model", self.model.model_id))

    @property
    def local_logprobs(self) -> bool:
        """Scores read in-process from the model's next-token distribution (no text replies)."""
        return self.spec.mode == "logprobs" and self.model.supports_choice_scores

    def identity(self) -> dict:
        ident = {"judge": self.spec.name, "model": self.model.identity(), "mode": self.spec.mode,
                 "rubric": self.rubric.sha256}
        if self.samples != 1:
            ident["samples"] = self.samples
        return ident

    def key(self, answer_key: str) -> str:
        return content_key("judgment", answer_key, self.identity())

    def prompt(self, task: JudgeTask) -> Prompt:
        messages = tuple(self.rubric.messages(task.question.text, task.answer.text))
        digest = prompt_hash(messages)
        quoted = (self.rubric.shown(task.question.text), self.rubric.shown(task.answer.text))
        return Prompt(messages, digest, quoted)

    def request_keys(self, key: str, attempt: int) -> list[str]:
        """The reply-cache keys of one judgment's first requests, one per sample."""
        base = key if attempt == 0 else f"{key}:retry{attempt}"
        return [base] if self.samples == 1 else [f"{base}:sample{i + 1}"
                                                 for i in range(self.samples)]

    def judgment(self, task: JudgeTask, prompt: Prompt, raw: str, scores: tuple[Score, ...],
                 usage: Usage, served: str, attempt: int, ctx: JudgeContext) -> Judgment:
        a = task.answer
        return Judgment(
            key=self.key(a.key), answer_key=a.key, question_id=a.question_id, model=a.model,
            judge=self.spec.name, rubric=self.rubric.name, prompt_hash=prompt.hash, raw=raw,
            scores=scores, mode=self.spec.mode, usage=usage, sample=a.sample,
            answer_set=a.answer_set, judge_model=self.asked_model,
            judge_model_served=served or self.asked_model, judge_samples=self.samples,
            rubric_sha=self.rubric.sha256, question_set=ctx.question_set,
            question_set_sha=ctx.question_set_sha, attempt=attempt)

    def failure(self, task: JudgeTask, status: str, error: str, ctx: JudgeContext) -> Judgment:
        """The row of a judgment that could not be made (failed, unanswered or empty): why."""
        a = task.answer
        return Judgment(
            key=self.key(a.key), answer_key=a.key, question_id=a.question_id, model=a.model,
            judge=self.spec.name, rubric=self.rubric.name, mode=self.spec.mode,
            sample=a.sample, answer_set=a.answer_set, judge_model=self.asked_model,
            judge_samples=self.samples, rubric_sha=self.rubric.sha256,
            question_set=ctx.question_set, question_set_sha=ctx.question_set_sha,
            failure=status, error=error)

    # -- text replies -> scores -------------------------------------------------------------
    def first_scores(self, reply: Completion, prompt: Prompt) -> tuple[Score, ...]:
        """Scores of a first reply: from rating logprobs where present, else from its text."""
        scores = text_scores(reply.text, self.rubric, prompt.quoted)
        if not reply.logprobs:
            return scores
        slots = slot_scores([(t.token, dict(t.top)) for t in reply.logprobs], self.rubric,
                            prompt.quoted)
        return tuple(slots.get(s.metric, s) for s in scores)

    def needs_repair(self, scores: Sequence[Score]) -> list:
        """The rated slots a repair request should ask for (none when the rubric has no repair)."""
        missing = [m for m, s in zip(self.rubric.rated, scores, strict=True) if s.value is None]
        return missing if missing and self.rubric.repair_message(missing) else []

    def repair_messages(self, prompt: Prompt, reply: Completion,
                        scores: Sequence[Score]) -> tuple[dict[str, str], ...]:
        missing = self.needs_repair(scores)
        return (*prompt.messages, {"role": "assistant", "content": reply.text},
                {"role": "user", "content": self.rubric.repair_message(missing) or ""})

    def assemble(self, task: JudgeTask, prompt: Prompt, firsts: Sequence[Completion],
                 repairs: Sequence[Completion | None], attempt: int, ctx: JudgeContext) -> Judgment:
        """The judgment from its replies (one first reply per sample, each maybe repaired)."""
        per_sample = []
        for first, repair in zip(firsts, repairs, strict=True):
            scores, raw, usage = self.first_scores(first, prompt), first.text, first.usage
            if repair is not None:
                scores = merge_scores(scores, parse_ratings(repair.text, self.rubric,
                                                            prompt.quoted))
                raw += "\n\n[repair]\n" + repair.text
                usage = usage + repair.usage
            per_sample.append((raw, scores, usage))
        served = "+".join(sorted({c.served_model for c in firsts if c.served_model}))
        if len(per_sample) == 1:
            raw, scores, usage = per_sample[0]
        else:
            raw = "\n\n".join(f"[sample {i + 1}]\n{r}" for i, (r, _, _) in enumerate(per_sample))
            scores = median_scores([s for _, s, _ in per_sample])
            usage = sum((u for _, _, u in per_sample), Usage())
        return self.judgment(task, prompt, raw, scores, usage, served, attempt, ctx)
