"""What raters see: the answers of run folders as items, sampled once for all raters and
ordered (and, for pairs, sided) per rater; blind, so no item carries a model name to the page."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..records.base import Answer, Question
from ..records.hashing import content_key


@dataclass(frozen=True)
class Source:
    """An answer with the run folder it lives in and the question set its question is from."""

    answer: Answer
    question: Question
    run_dir: Path
    question_set: str
    question_set_sha: str


@dataclass(frozen=True)
class Item:
    """One thing to rate: an answer (single) or two answers to one question (pairwise)."""

    id: str
    sources: tuple[Source, ...]  # one, or two (model_a's first, as in a stored vote)

    @property
    def question(self) -> Question:
        return self.sources[0].question


def load_sources(run_dirs: Sequence[Path]) -> list[Source]:
    """Every stored answer of the run folders: the first sample of each model (and answer set)
    and question; empty answers are left out."""
    from ..store.database import Store

    out: dict[tuple[str, str, str], Source] = {}
    for d in run_dirs:
        store = Store.readonly(Path(d) / "store.sqlite")
        try:
            names = {q["sha"]: q["name"] for q in store.question_sets()}
            questions = {}
            for sha, _, q in store.questions():
                questions.setdefault(q.id, (q, sha))
            for a in store.all_answers():
                if a.question_id not in questions or not a.text.strip():
                    continue
                q, sha = questions[a.question_id]
                key = (a.model, a.answer_set, a.question_id)
                if key not in out or a.sample < out[key].answer.sample:
                    out[key] = Source(a, q, Path(d), names.get(sha, ""), sha)
        finally:
            store.close()
    if not out:
        raise InputError(f"{', '.join(map(str, run_dirs))}: no answers to rate")
    return sorted(out.values(), key=lambda s: (s.question.id, s.answer.model, s.answer.answer_set))


def single_items(sources: Sequence[Source]) -> list[Item]:
    # Ids are hashes: an answer key made from a file could carry the model's name to the page.
    return [Item(content_key("item", s.answer.key), (s,)) for s in sources]


def pair_items(sources: Sequence[Source]) -> list[Item]:
    """Every pair of models' answers to the same question."""
    by_question: dict[str, list[Source]] = {}
    for s in sources:
        by_question.setdefault(s.question.id, []).append(s)
    items = []
    for group in by_question.values():
        ordered = sorted(group, key=lambda s: (s.answer.model, s.answer.answer_set))
        for a, b in itertools.combinations(ordered, 2):
            items.append(Item(content_key("pair", a.answer.key, b.answer.key), (a, b)))
    if not items:
        raise InputError("--mode pairwise: no question has answers of two models")
    return items


def _stratum(item: Item) -> tuple[str, ...]:
    return (*(s.answer.model for s in item.sources), item.question.topic)


def sample(items: Sequence[Item], n: int | None, seed: int) -> list[Item]:
    """N items, the same for every rater: drawn in turn from each (model, topic) stratum, in a
    seeded order, so that models and topics are covered evenly. None: all items."""
    if n is None or n >= len(items):
        return list(items)
    rng = random.Random(f"sample:{seed}")
    strata: dict[tuple[str, ...], list[Item]] = {}
    for item in items:
        strata.setdefault(_stratum(item), []).append(item)
    queues = [rng.sample(group, len(group)) for _, group in sorted(strata.items())]
    rng.shuffle(queues)
    picked: list[Item] = []
    while len(picked) < n:
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop())
    return sorted(picked, key=lambda i: i.id)


def rater_order(items: Sequence[Item], rater: str, seed: int) -> list[Item]:
    """The items in this rater's own random order."""
    return random.Random(f"order:{seed}:{rater}").sample(list(items), len(items))


def first_side(item: Item, rater: str, seed: int) -> str:
    """Which answer of a pair this rater sees first: "a" or "b" (random, fixed per rater)."""
    return random.Random(f"side:{seed}:{rater}:{item.id}").choice("ab")
