"""The judging stage: render the rubric for each answer, ask the judge model, parse, store."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from .models import Model
from .progress import Reporter
from .records import Answer, ChatRequest, Judgment, Question, Score, Usage
from .registry import JudgeSpec
from .rubric import Rubric
from .scoring import (
    choice_labels,
    expected_scores,
    merge_scores,
    parse_ratings,
    slot_prefix,
    text_scores,
)
from .store import Store, content_key


@dataclass(frozen=True)
class JudgeTask:
    """One answer to judge, with the question it answers."""

    answer: Answer
    question: Question


class Judge:
    """A judge model bound to a rubric and a scoring mode."""

    def __init__(self, spec: JudgeSpec, model: Model, rubric: Rubric):
        self.spec = spec
        self.model = model
        self.rubric = rubric

    @property
    def name(self) -> str:
        return self.spec.name

    def identity(self) -> dict:
        return {"judge": self.spec.name, "model": self.model.identity(), "mode": self.spec.mode,
                "rubric": self.rubric.sha256}

    def key(self, answer: Answer) -> str:
        return content_key("judgment", answer.key, self.identity())

    def _base(self, task: JudgeTask) -> tuple[list[dict[str, str]], str]:
        messages = self.rubric.messages(task.question.text, task.answer.text)
        prompt_hash = hashlib.sha256(
            "\n".join(m["content"] for m in messages).encode()).hexdigest()[:16]
        return messages, prompt_hash

    def _judgment(self, task: JudgeTask, prompt_hash: str, raw: str,
                  scores: tuple[Score, ...], usage: Usage) -> Judgment:
        a = task.answer
        return Judgment(self.key(a), a.key, a.question_id, a.model, self.spec.name,
                        self.rubric.name, prompt_hash, raw, scores, self.spec.mode, usage)

    def judge_text(self, tasks: Sequence[JudgeTask]) -> list[Judgment | str]:
        """Judge by free text; one repair request for metrics the first reply left out."""
        bases = [self._base(t) for t in tasks]
        firsts = self.model.generate([ChatRequest(tuple(m), self.key(t.answer))
                                      for t, (m, _) in zip(tasks, bases, strict=True)])
        out: list[Judgment | str] = []
        repairs: list[tuple[int, ChatRequest]] = []
        for i, (task, (messages, prompt_hash), first) in enumerate(
                zip(tasks, bases, firsts, strict=True)):
            if not first.ok:
                out.append(f"judge {self.name}: {first.error}")
                continue
            scores = text_scores(first.text, self.rubric)
            out.append(self._judgment(task, prompt_hash, first.text, scores, first.usage))
            missing = [m for m, s in zip(self.rubric.rated, scores, strict=True) if s.value is None]
            repair = self.rubric.repair_message(missing) if missing else None
            if repair:
                follow = (*messages, {"role": "assistant", "content": first.text},
                          {"role": "user", "content": repair})
                repairs.append((i, ChatRequest(follow, self.key(task.answer) + ":repair")))
        if repairs:
            answers = self.model.generate([r for _, r in repairs])
            for (i, _), rep in zip(repairs, answers, strict=True):
                j = out[i]
                if isinstance(j, Judgment) and rep.ok:
                    scores = merge_scores(j.scores, parse_ratings(rep.text, self.rubric))
                    out[i] = Judgment(j.key, j.answer_key, j.question_id, j.model, j.judge,
                                      j.rubric, j.prompt_hash, j.raw + "\n\n[repair]\n" + rep.text,
                                      scores, j.mode, j.usage + rep.usage)
        return out

    def judge_logprobs(self, tasks: Sequence[JudgeTask]) -> list[Judgment | str]:
        """Judge by reading the model's distribution over ratings at each metric's slot."""
        prefixes = [slot_prefix(m) for m in self.rubric.rated]
        labels = choice_labels(self.rubric)
        out: list[Judgment | str] = []
        for task in tasks:
            messages, prompt_hash = self._base(task)
            dists = self.model.score_choices(messages, prefixes, labels)
            scores = expected_scores(self.rubric, dists)
            raw = "\n".join(f"{m.name}: " + ", ".join(f"{c.rstrip(']')}={p:.3f}"
                                                      for c, p in d.items())
                            for m, d in zip(self.rubric.rated, dists, strict=True))
            out.append(self._judgment(task, prompt_hash, raw, scores, Usage()))
        return out

    def judge(self, tasks: Sequence[JudgeTask]) -> list[Judgment | str]:
        """Judgments, or an error message per task that could not be judged."""
        if self.spec.mode == "logprobs":
            return self.judge_logprobs(tasks)
        return self.judge_text(tasks)


def run_judging(judge: Judge, tasks: Sequence[JudgeTask], store: Store,
                reporter: Reporter) -> dict[str, Judgment]:
    """Judge what the store lacks, in chunks stored as they finish; return every judgment."""
    keys = {judge.key(t.answer): t for t in tasks}
    done = store.judgments(keys)
    pending = [t for k, t in keys.items() if k not in done]
    if not pending:
        return done
    chunk = max(1, judge.model.chunk_size)
    with reporter.stage(f"judging ({judge.name})", len(pending)) as advance:
        for start in range(0, len(pending), chunk):
            part = pending[start:start + chunk]
            results = judge.judge(part)
            good = [r for r in results if isinstance(r, Judgment)]
            store.put_judgments(good)
            for task, r in zip(part, results, strict=True):
                if isinstance(r, str):
                    store.record_failure(judge.key(task.answer), "judge", r)
            done.update({j.key: j for j in good})
            advance(len(part))
    return done
