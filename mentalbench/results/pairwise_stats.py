"""From votes to verdicts: the two orders of a pair combined, and a judge's position bias.

A pair's verdict sums its votes (+1 model_a, -1 model_b, 0 tie): two orders that disagree
outright (one says a, the other b) cancel to a tie, and that pair counts as flipped.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..records.pairwise import TIE, A, B, PairwiseVote

_SIGN = {A: 1, B: -1, TIE: 0}


@dataclass(frozen=True)
class PairVerdict:
    """The verdict on one pair of answers for one metric, over the orders it was shown in."""

    question_id: str
    model_a: str
    model_b: str
    answer_key_a: str
    answer_key_b: str
    judge: str
    judge_model: str
    metric: str
    verdict: str  # a | b | tie
    flipped: bool  # two orders disagreed outright (a vs b): the verdict is a tie
    orders: int  # how many orders gave a verdict


def _pair_of(v: PairwiseVote) -> tuple:
    i = v.identity
    return (i.judge, i.judge_model, i.rubric_sha, i.question_set_sha, i.question_id,
            i.answer_key_a, i.answer_key_b)


def combine(votes: Iterable[PairwiseVote], metric: str) -> list[PairVerdict]:
    """One verdict per judge and pair of answers, for `metric` (pairs without one are left out)."""
    groups: dict[tuple, list[PairwiseVote]] = collections.defaultdict(list)
    for v in votes:
        if v.verdict(metric) is not None:
            groups[_pair_of(v)].append(v)
    out = []
    for group in groups.values():
        said = [v.verdict(metric) for v in group]
        total = sum(_SIGN[s] for s in said)
        i = group[0].identity
        out.append(PairVerdict(
            question_id=i.question_id, model_a=i.model_a, model_b=i.model_b,
            answer_key_a=i.answer_key_a, answer_key_b=i.answer_key_b, judge=i.judge,
            judge_model=i.judge_model, metric=metric,
            verdict=A if total > 0 else B if total < 0 else TIE,
            flipped=A in said and B in said, orders=len(said)))
    return sorted(out, key=lambda p: (p.judge, p.question_id, p.model_a, p.model_b))


def _favours_first(v: PairwiseVote, metric: str) -> bool | None:
    said = v.verdict(metric)
    if said in (None, TIE):
        return None
    return said == v.identity.shown_first


def position_bias(votes: Sequence[PairwiseVote], metric: str) -> dict[str, dict[str, float]]:
    """Per judge: flip_rate (pairs seen in both orders whose verdicts flipped with the order),
    first_wins (decisive votes that favour the answer shown first; 0.5 is unbiased), and the
    counts behind them."""
    out: dict[str, dict[str, float]] = {}
    for judge in sorted({v.identity.judge for v in votes}):
        mine = [v for v in votes if v.identity.judge == judge]
        both = [p for p in combine(mine, metric) if p.orders == 2]
        decisive = [f for f in (_favours_first(v, metric) for v in mine) if f is not None]
        out[judge] = {
            "pairs_both_orders": len(both),
            "flip_rate": sum(p.flipped for p in both) / len(both) if both else float("nan"),
            "decisive_votes": len(decisive),
            "first_wins": sum(decisive) / len(decisive) if decisive else float("nan")}
    return out
