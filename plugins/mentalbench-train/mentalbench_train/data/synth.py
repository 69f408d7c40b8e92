"""`data synth`: patient messages (one a request, or numbered batches), then counselors' answers."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mentalbench.api import Model, Reporter, Usage, content_key

from . import prompts
from .calling import ask
from .dedup import Deduper, Embed
from .filters import check_answer, check_message
from .parsing import parse_batch, parse_single
from .state import ACCEPTED, DROPPED, KEPT, RowWriter, State
from .topics import draw_topics, draw_writer

MESSAGE, TRUNCATED, DUPLICATE = "message", "truncated", "duplicate"


@dataclass(frozen=True)
class SynthPlan:
    """What one `data synth` command asks for."""

    out: Path
    count: int
    batch_size: int
    weights: dict[str, float]
    topics_from: str  # "counselchat" or the topics file
    seed: int = 0
    min_words: int = 100
    dedup_threshold: float | None = 0.85  # None: no deduplication
    max_batches: int | None = None  # stage-1 calls this run may make (None: from count)

    def batch_cap(self, needed: int) -> int:
        if self.max_batches is not None:
            return self.max_batches
        return 2 * math.ceil(needed / self.batch_size) + 2


@dataclass
class SynthSummary:
    """What a synth run did (this run) and what the file holds (all runs)."""

    rows: int = 0
    new_rows: int = 0
    batches: int = 0  # stage-1 replies parsed, over all runs
    new_batches: int = 0
    unparsed_batches: int = 0
    messages: int = 0  # items found in those replies
    missing: int = 0  # items asked for but not found
    dropped: Counter = field(default_factory=Counter)  # reason -> messages, all runs
    failed_calls: int = 0  # this run; retried next run
    usage: dict[str, tuple[int, Usage]] = field(default_factory=dict)  # stage -> calls, tokens
    new_usage: dict[str, Usage] = field(default_factory=dict)  # stage -> this run's tokens
    waiting: int = 0  # messages kept but not yet answered (more than --count needed)


def stage1_request(weights: dict[str, float], batch_size: int, seed: int,
                   number: int) -> tuple[list[str], prompts.Messages]:
    """Batch `number`'s topics and request: one message alone, or a numbered batch."""
    topics = draw_topics(weights, batch_size, seed, number)
    if batch_size == 1:
        writer, their = draw_writer(seed, number)
        return topics, prompts.synth_message_request(topics[0], writer, their)
    return topics, prompts.synth_messages_request(topics, number)


def batch_key(identity: dict[str, Any], number: int, seed: int, messages) -> str:
    return content_key("synth-messages", seed, number, messages, identity)


def answer_key(identity: dict[str, Any], message: str) -> str:
    return content_key("synth-answer", message, prompts.SYNTH_ANSWER_HASH, identity)


def _vector_bytes(vector) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype=np.float32).tobytes()


def _kept_vectors(state: State) -> list:
    import numpy as np

    return [np.frombuffer(i["vector"], dtype=np.float32)
            for status in (ACCEPTED, KEPT) for i in state.items(MESSAGE, status) if i["vector"]]


class SynthRun:
    """One run of the pipeline over one output file."""

    def __init__(self, plan: SynthPlan, model: Model, reporter: Reporter,
                 embed: Embed | None = None):
        self.plan, self.model, self.reporter = plan, model, reporter
        self.writer = RowWriter(plan.out)  # first: it refuses a file that is not ours
        self.state = State(plan.out)
        self.state.bind("synth", {"seed": plan.seed, "batch_size": plan.batch_size,
                                  "topics": plan.topics_from})
        self._reconcile()
        self.deduper = (Deduper(embed, plan.dedup_threshold, _kept_vectors(self.state))
                        if embed is not None and plan.dedup_threshold is not None else None)
        self.summary = SynthSummary()
        self.identity = model.identity()  # once: a local model's identity hashes its weights

    def _reconcile(self) -> None:
        """Rows and decisions agree after any interruption: the file is the truth for rows."""
        written = self.writer.ids
        accepted = [i["key"] for i in self.state.items(MESSAGE, ACCEPTED) if i["key"] in written]
        self.state.set_status(accepted, KEPT)
        lost = [i["key"] for i in self.state.items(MESSAGE, KEPT) if i["key"] not in written]
        self.state.set_status(lost, ACCEPTED)  # a deleted file is rebuilt from stored replies

    def close(self) -> None:
        self.state.close()

    # stage 1 ---------------------------------------------------------------------------
    def _stage_messages(self, first: int, n_batches: int) -> None:
        plan = self.plan
        batches = []
        for number in range(first, first + n_batches):
            topics, messages = stage1_request(plan.weights, plan.batch_size, plan.seed, number)
            key = batch_key(self.identity, number, plan.seed, messages)
            batches.append((number, topics, key, messages))
        with self.reporter.stage("patient messages (batches)", len(batches)) as advance:
            replies = ask(self.model, self.state, "messages",
                          [(key, messages) for _, _, key, messages in batches], advance)
        self._count_usage("messages", replies.values())
        for number, topics, key, _ in batches:
            reply = replies[key]
            if reply.error is not None:
                self.summary.failed_calls += 1
                continue
            self._keep_batch(number, topics, key, reply.text, reply.finish)
            self.summary.new_batches += 1

    def _keep_batch(self, number: int, topics: list[str], key: str, text: str,
                    finish: str) -> None:
        parsed = parse_single(text, topics[0]) if len(topics) == 1 else parse_batch(text, topics)
        found = sorted(parsed.items)
        items, candidates = [], []
        for k in found:
            item = {"key": content_key("synth-message", key, k), "kind": MESSAGE,
                    "ref": f"batch {number} item {k}", "topic": topics[k - 1],
                    "text": parsed.items[k], "status": DROPPED}
            if finish == "length" and k == found[-1]:
                item["reason"] = TRUNCATED  # cut off by max_new_tokens
            else:
                item["reason"] = check_message(item["text"], self.plan.min_words) or ""
            items.append(item)
            if not item["reason"]:
                candidates.append(item)
        verdicts = (self.deduper.check([c["text"] for c in candidates]) if self.deduper
                    else [None] * len(candidates))
        for item, verdict in zip(candidates, verdicts, strict=True):
            if verdict is not None:
                item["similarity"] = verdict.similarity
                if not verdict.keep:
                    item["reason"] = DUPLICATE
                    continue
                item["vector"] = _vector_bytes(verdict.vector)
            item["status"] = ACCEPTED
        self.state.put_batch(number, key, topics, parsed.how, len(found), len(parsed.missing),
                             items)

    # stage 2 ---------------------------------------------------------------------------
    def _stage_answers(self, needed: int, tried: set[str]) -> None:
        waiting = [i for i in self.state.items(MESSAGE, ACCEPTED) if i["key"] not in tried]
        waiting = waiting[:needed]
        if not waiting:
            return
        tried.update(i["key"] for i in waiting)
        keys = {i["key"]: answer_key(self.identity, i["text"]) for i in waiting}
        with self.reporter.stage("counselor answers", len(waiting)) as advance:
            replies = ask(self.model, self.state, "answers",
                          [(keys[i["key"]], prompts.synth_answer_request(i["text"]))
                           for i in waiting], advance)
        self._count_usage("answers", replies.values())
        rows, dropped = [], []
        for item in waiting:
            reply = replies[keys[item["key"]]]
            if reply.error is not None:
                self.summary.failed_calls += 1
                continue
            reason = (TRUNCATED if reply.finish == "length"
                      else check_answer(reply.text, item["text"], self.plan.min_words))
            if reason:
                dropped.append((item["key"], f"answer {reason}"))
            else:
                rows.append(self._row(item, reply.text))
        self.writer.write(rows)  # rows on disk first, then the decisions that point at them
        self.state.set_status([r["id"] for r in rows], KEPT)
        for key, reason in dropped:
            self.state.set_status([key], DROPPED, reason)
        self.summary.new_rows += len(rows)

    def _count_usage(self, stage: str, replies) -> None:
        new = [r.usage for r in replies if not r.cached]
        self.summary.new_usage[stage] = sum(new, self.summary.new_usage.get(stage, Usage()))

    def _row(self, item: dict[str, Any], answer: str) -> dict[str, Any]:
        return {"id": item["key"], "instruction": item["text"], "output": answer,
                "topic": item["topic"], "source": "synthetic", "generator": self.model.model_id,
                "prompt_hashes": {"messages": (prompts.SYNTH_MESSAGE_HASH
                                               if self.plan.batch_size == 1
                                               else prompts.SYNTH_MESSAGES_HASH),
                                  "answer": prompts.SYNTH_ANSWER_HASH},
                "ref": item["ref"]}

    # the loop --------------------------------------------------------------------------
    def run(self) -> SynthSummary:
        plan, state = self.plan, self.state
        kept = len(self.writer.ids)
        cap = plan.batch_cap(max(0, plan.count - kept))
        used, tried = 0, set()
        next_number = state.next_batch()
        while len(self.writer.ids) < plan.count:
            needed = plan.count - len(self.writer.ids)
            waiting = sum(1 for i in state.items(MESSAGE, ACCEPTED) if i["key"] not in tried)
            if waiting < needed and used < cap:
                n = min(cap - used, math.ceil((needed - waiting) / self._yield()))
                self._stage_messages(next_number, n)
                next_number, used = next_number + n, used + n
            before = len(tried)
            self._stage_answers(needed, tried)
            if len(tried) == before and used >= cap:
                break  # nothing left to answer and no batches left to ask for
        return self._finish()

    def _yield(self) -> float:
        """Usable messages per batch so far (a whole batch before the first): how many to ask."""
        batches = self.state.batch_stats()["batches"]
        if not batches:
            return float(self.plan.batch_size)
        # A model that has given nothing usable yet gets the rest of the cap in one go
        # (which local engines then batch), not one batch per round.
        return max(self.state.passed_first_stage(MESSAGE) / batches, 1e-9)

    def _finish(self) -> SynthSummary:
        s, state = self.summary, self.state
        stats = state.batch_stats()
        s.rows = len(self.writer.ids)
        s.batches, s.unparsed_batches = stats["batches"], stats["unparsed"]
        s.messages, s.missing = stats["messages"], stats["missing"]
        s.dropped = state.reasons(MESSAGE)
        s.waiting = state.count(MESSAGE, ACCEPTED)
        s.usage = {stage: state.usage(stage) for stage in ("messages", "answers")}
        return s
