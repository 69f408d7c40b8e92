"""One rater's session: the items in their order, what they did, and each rating as it comes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..inputs.pairwise_rubric import PairwiseRubric
from ..inputs.rubric import Rubric
from . import saving
from .items import Item, first_side, rater_order


@dataclass
class Session:
    """A rater, a mode (single or pairwise), the sampled items and the rubric they rate by."""

    rater: str
    mode: str
    items: Sequence[Item]
    rubric: Rubric | PairwiseRubric
    seed: int = 0
    order: list[Item] = field(init=False)
    sides: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        saving.check_rater(self.rater)
        self.order = rater_order(self.items, self.rater, self.seed)
        self.sides = {i.id: first_side(i, self.rater, self.seed) for i in self.order}
        self.by_id = {i.id: i for i in self.order}

    def _shown(self, item: Item) -> list[str]:
        texts = [s.answer.text for s in item.sources]
        return texts if self.sides[item.id] == "a" else texts[::-1]

    def state(self) -> dict[str, Any]:
        """What the page needs: the rubric, and every item (blind: no model names) in order."""
        if self.mode == "single":
            done = saving.done_ratings(self.order, self.rater, self.rubric)
            scale = {"min": self.rubric.scale.min, "max": self.rubric.scale.max,
                     "anchors": [list(a) for a in self.rubric.scale.anchors]}
        else:
            done = saving.done_votes(self.order, self.rater, self.rubric, self.sides)
            scale = None
        return {
            "rater": self.rater, "mode": self.mode, "scale": scale,
            "metrics": [{"key": m.key, "name": m.name or "Overall",
                         "definition": m.definition} for m in self.rubric.rated]
            if self.mode == "single" else [],
            "items": [{"id": i.id, "question": i.question.text, "answers": self._shown(i),
                       "saved": done.get(i.id)} for i in self.order]}

    def rate(self, payload: Mapping[str, Any]) -> None:
        """Commit one rating to the store now."""
        item = self.by_id.get(str(payload.get("id")))
        if item is None:
            raise InputError(f"item {payload.get('id')!r}: not one of this session's items")
        seconds = payload.get("seconds", 0)
        comment = payload.get("comment", "")
        if not isinstance(seconds, int | float) or seconds < 0 or not isinstance(comment, str) \
                or len(comment) > 5000:
            raise InputError("expected seconds >= 0 and a comment of at most 5000 characters")
        if self.mode == "single":
            scores = payload.get("scores")
            if not isinstance(scores, dict) or set(scores) != {m.key for m in self.rubric.rated}:
                raise InputError("scores: expected a rating for every metric")
            saving.save_judgment(item, self.rubric, saving.rating_judgment(
                item, self.rater, self.rubric, scores, seconds, comment))
        else:
            vote = saving.human_vote(item, self.rater, self.rubric, self.sides[item.id],
                                     str(payload.get("vote")), seconds, comment)
            saving.save_vote(item, vote)
