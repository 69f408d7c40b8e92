"""The judging stage: render the rubric for each answer, ask the judge model, parse, store."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .hashing import content_key
from .models import Model, Progress
from .progress import Reporter
from .records import Answer, ChatRequest, Completion, JudgeSpec, Judgment, Question, Score, Usage
from .rubric import Rubric
from .scoring import (
    choice_labels,
    expected_scores,
    merge_scores,
    parse_ratings,
    slot_prefix,
    text_scores,
)
from .store import Store


@dataclass(frozen=True)
class JudgeTask:
    """One answer to judge, with the question it answers."""

    answer: Answer
    question: Question


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

    def identity(self) -> dict:
        ident = {"judge": self.spec.name, "model": self.model.identity(), "mode": self.spec.mode,
                 "rubric": self.rubric.sha256}
        if self.samples != 1:
            ident["samples"] = self.samples
        return ident

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

    def _sample_key(self, task: JudgeTask, i: int) -> str:
        key = self.key(task.answer)
        return key if self.samples == 1 else f"{key}:sample{i + 1}"

    def _first_scores(self, completion: Completion) -> tuple[Score, ...]:
        """Scores of a first reply: from rating logprobs where present, else from its text."""
        scores = text_scores(completion.text, self.rubric)
        tokens = completion.meta.get("top_logprobs")
        if not tokens:
            return scores
        slots = slot_scores(tokens, self.rubric)
        return tuple(slots.get(s.metric, s) for s in scores)

    def judge_text(self, tasks: Sequence[JudgeTask], progress: Progress | None = None,
                   top_logprobs: int = 0) -> list[Judgment | str]:
        """Judge by free text (k samples each); one repair request per reply missing metrics."""
        k = self.samples
        bases = [self._base(t) for t in tasks]
        requests = [ChatRequest(tuple(m), self._sample_key(t, i))
                    for t, (m, _) in zip(tasks, bases, strict=True) for i in range(k)]
        extra = {"top_logprobs": top_logprobs} if top_logprobs else {}
        firsts = self.model.generate(requests, progress, **extra)
        # One entry per sample: [raw, scores, usage], or an error message per task.
        samples: list[list[list] | str] = []
        repairs: list[tuple[int, int, ChatRequest]] = []
        for t in range(len(tasks)):
            mine = firsts[t * k:(t + 1) * k]
            failed = next((c for c in mine if not c.ok), None)
            if failed is not None:
                samples.append(f"judge {self.name}: {failed.error}")
                continue
            samples.append([[c.text, self._first_scores(c), c.usage] for c in mine])
            for i, c in enumerate(mine):
                scores = samples[t][i][1]
                missing = [m for m, s in zip(self.rubric.rated, scores, strict=True)
                           if s.value is None]
                repair = self.rubric.repair_message(missing) if missing else None
                if repair:
                    follow = (*bases[t][0], {"role": "assistant", "content": c.text},
                              {"role": "user", "content": repair})
                    repairs.append((t, i, ChatRequest(follow, requests[t * k + i].key + ":repair")))
        if repairs:
            answers = self.model.generate([r for _, _, r in repairs])
            for (t, i, _), rep in zip(repairs, answers, strict=True):
                if isinstance(samples[t], str):
                    continue
                if not rep.ok:  # recorded as a failure, so that a rerun asks again
                    samples[t] = f"judge {self.name}: repair request failed: {rep.error}"
                    continue
                entry = samples[t][i]
                entry[0] += "\n\n[repair]\n" + rep.text
                entry[1] = merge_scores(entry[1], parse_ratings(rep.text, self.rubric))
                entry[2] = entry[2] + rep.usage
        out: list[Judgment | str] = []
        for task, (_, prompt_hash), done in zip(tasks, bases, samples, strict=True):
            if isinstance(done, str):
                out.append(done)
            elif k == 1:
                out.append(self._judgment(task, prompt_hash, *done[0]))
            else:
                raw = "\n\n".join(f"[sample {i + 1}]\n{e[0]}" for i, e in enumerate(done))
                usage = sum((e[2] for e in done), Usage())
                out.append(self._judgment(task, prompt_hash, raw,
                                          median_scores([e[1] for e in done]), usage))
        return out

    def judge_logprobs(self, tasks: Sequence[JudgeTask],
                       progress: Progress | None = None) -> list[Judgment | str]:
        """Judge by the model's distribution over ratings at each metric's slot."""
        if not self.model.supports_choice_scores:
            # An API model: generate with top logprobs and read them at the rating tokens.
            return self.judge_text(tasks, progress, top_logprobs=TOP_LOGPROBS)
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
            if progress:
                progress(1)
        return out

    def judge(self, tasks: Sequence[JudgeTask],
              progress: Progress | None = None) -> list[Judgment | str]:
        """Judgments, or an error message per task that could not be judged."""
        if self.spec.mode == "logprobs":
            return self.judge_logprobs(tasks, progress)
        return self.judge_text(tasks, progress)


def slot_scores(tokens: Sequence[tuple[str, dict[str, float]]], rubric: Rubric) -> dict[str, Score]:
    """Expected ratings from the top logprobs at each "Name: [[n" slot of a generated reply."""
    text = "".join(tok for tok, _ in tokens)
    starts = list(itertools.accumulate((len(tok) for tok, _ in tokens), initial=0))
    lo, hi = rubric.scale.min, rubric.scale.max
    out: dict[str, Score] = {}
    for metric in rubric.rated:
        found = list(re.finditer(re.escape(slot_prefix(metric)) + r"\s*(?=\d)", text))
        if not found:
            continue
        i = bisect.bisect_right(starts, found[-1].end()) - 1
        if text[starts[i]:found[-1].end()].strip():
            continue  # the rating shares a token with the text before it: not readable
        dist: dict[int, float] = {}
        for alt, logprob in tokens[i][1].items():
            if alt.strip().isdigit() and lo <= int(alt.strip()) <= hi:
                dist[int(alt.strip())] = dist.get(int(alt.strip()), 0.0) + math.exp(logprob)
        total = sum(dist.values())
        if total <= 0:
            continue
        mean = sum(v * p for v, p in dist.items()) / total
        var = sum(p * (v - mean) ** 2 for v, p in dist.items()) / total
        out[metric.key] = Score(metric.key, round(mean, 3), "logprobs", round(math.sqrt(var), 3))
    return out


def median_scores(samples: Sequence[Sequence[Score]]) -> tuple[Score, ...]:
    """Per metric, the median of the samples' ratings; spread is their standard deviation."""
    out = []
    for column in zip(*samples, strict=True):
        values = [s.value for s in column if s.value is not None]
        mode = "+".join(sorted({s.mode for s in column}))
        if not values:
            out.append(Score(column[0].metric, None, mode))
            continue
        out.append(Score(column[0].metric, round(statistics.median(values), 3), mode,
                         round(statistics.pstdev(values), 3)))
    return tuple(out)


def run_judging(judge: Judge, tasks: Sequence[JudgeTask], store: Store,
                reporter: Reporter) -> dict[str, Judgment]:
    """Judge what the store lacks, in chunks stored as they finish; return every judgment."""
    keys = {judge.key(t.answer): t for t in tasks}
    done = store.judgments(keys)
    pending = [t for k, t in keys.items() if k not in done]
    if not pending:
        return done
    chunk = max(1, judge.model.chunk_size // judge.samples)
    with reporter.stage(f"judging ({judge.name})", len(pending) * judge.samples) as advance:
        for start in range(0, len(pending), chunk):
            part = pending[start:start + chunk]
            results = judge.judge(part, advance)  # advances once per first request
            good = [r for r in results if isinstance(r, Judgment)]
            store.put_judgments(good)
            for task, r in zip(part, results, strict=True):
                if isinstance(r, str):
                    store.record_failure(judge.key(task.answer), "judge", r)
            done.update({j.key: j for j in good})
    return done
