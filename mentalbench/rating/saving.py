"""Each rating committed as it is given: a human:<rater> judgment (single) or a human pairwise
vote, in the store of the run folder the answer came from; what a rater has done, read back."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from ..errors import InputError
from ..inputs.pairwise_rubric import PairwiseRubric
from ..inputs.rubric import Rubric
from ..records.base import Judgment, Score
from ..records.hashing import content_key
from ..records.pairwise import TIE, A, B, PairwiseIdentity, PairwiseVote, flip, status_of
from ..store import pairwise as pairwise_store
from ..store.database import Store
from .items import Item

MODE = "human"
JUDGE_MODEL = "human"
_RATER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")


def check_rater(name: str) -> str:
    """A rater name that can stand in a judge name (human:<rater>)."""
    if not _RATER.fullmatch(name or ""):
        raise InputError(f"--rater {name!r}: expected 1 to 40 letters, digits, spaces, '.', "
                         "'_' or '-', starting with a letter or digit")
    return name


def judge_of(rater: str) -> str:
    return f"human:{rater}"


def rating_key(item: Item, rater: str, rubric: Rubric) -> str:
    s = item.sources[0]
    return content_key("human-judgment", s.answer.key, judge_of(rater), rubric.sha256,
                       s.question_set_sha)


def vote_key(item: Item, rater: str, rubric: PairwiseRubric) -> str:
    a, b = item.sources
    return content_key("human-vote", a.answer.key, b.answer.key, judge_of(rater), rubric.sha256)


def rating_judgment(item: Item, rater: str, rubric: Rubric, scores: Mapping[str, float],
                    seconds: float, comment: str) -> Judgment:
    """A rater's scores of one answer as a judgment (time spent and comment in raw, as JSON)."""
    s = item.sources[0]
    lo, hi = rubric.scale.min, rubric.scale.max
    values = []
    for m in rubric.rated:
        v = scores.get(m.key)
        if v is not None and not (isinstance(v, int | float) and lo <= v <= hi):
            raise InputError(f"rating of {m.key!r}: expected a number from {lo} to {hi}")
        values.append(Score(m.key, None if v is None else float(v), MODE))
    raw = json.dumps({"seconds": round(float(seconds), 1), "comment": comment})
    return Judgment(key=rating_key(item, rater, rubric), answer_key=s.answer.key,
                    question_id=s.answer.question_id, model=s.answer.model,
                    judge=judge_of(rater), rubric=rubric.name, prompt_hash="", raw=raw,
                    scores=tuple(values), mode=MODE, sample=s.answer.sample,
                    answer_set=s.answer.answer_set, judge_model=JUDGE_MODEL,
                    judge_model_served=JUDGE_MODEL, rubric_sha=rubric.sha256,
                    question_set=s.question_set, question_set_sha=s.question_set_sha)


def human_vote(item: Item, rater: str, rubric: PairwiseRubric, first: str, said: str,
               seconds: float, comment: str) -> PairwiseVote:
    """A rater's overall vote on a pair; `said` is by position (a: the answer shown first)."""
    if said not in (A, B, TIE):
        raise InputError(f"vote {said!r}: expected a, b or tie")
    a, b = item.sources
    verdicts = {rubric.overall.key: said if first == "a" else flip(said)}
    ident = PairwiseIdentity(
        question_id=a.question.id, model_a=a.answer.model, answer_set_a=a.answer.answer_set,
        answer_key_a=a.answer.key, model_b=b.answer.model, answer_set_b=b.answer.answer_set,
        answer_key_b=b.answer.key, judge=judge_of(rater), judge_model=JUDGE_MODEL,
        rubric=rubric.name, rubric_sha=rubric.sha256, question_set=a.question_set,
        question_set_sha=a.question_set_sha, shown_first=first)
    return PairwiseVote(key=vote_key(item, rater, rubric), identity=ident, verdicts=verdicts,
                        status=status_of(verdicts), mode=MODE, seconds=round(float(seconds), 1),
                        comment=comment, judge_model_served=JUDGE_MODEL)


def save_judgment(item: Item, rubric: Rubric, judgment: Judgment) -> None:
    store = Store(item.sources[0].run_dir / "store.sqlite")
    try:
        store.put_rubric(rubric)
        store.put_judgments([judgment])
    finally:
        store.close()


def save_vote(item: Item, vote: PairwiseVote) -> None:
    store = Store(item.sources[0].run_dir / "store.sqlite")
    try:
        pairwise_store.put_votes(store.db, [vote])
    finally:
        store.close()


def done_ratings(items: Sequence[Item], rater: str, rubric: Rubric) -> dict[str, dict]:
    """Item id -> {"scores", "comment"} of the items this rater has rated already."""
    out = {}
    for run_dir in {i.sources[0].run_dir for i in items}:
        mine = [i for i in items if i.sources[0].run_dir == run_dir]
        store = Store.readonly(run_dir / "store.sqlite")
        try:
            found = store.judgments(rating_key(i, rater, rubric) for i in mine)
        finally:
            store.close()
        for i in mine:
            j = found.get(rating_key(i, rater, rubric))
            if j is not None:
                out[i.id] = {"scores": {s.metric: s.value for s in j.scores},
                             "comment": json.loads(j.raw or "{}").get("comment", "")}
    return out


def done_votes(items: Sequence[Item], rater: str, rubric: PairwiseRubric,
               sides: Mapping[str, str]) -> dict[str, dict]:
    """Item id -> {"vote" (by position as this rater saw it), "comment"} of items voted on."""
    out = {}
    for run_dir in {i.sources[0].run_dir for i in items}:
        mine = [i for i in items if i.sources[0].run_dir == run_dir]
        store = Store.readonly(run_dir / "store.sqlite")
        try:
            found = pairwise_store.votes(store.db, (vote_key(i, rater, rubric) for i in mine))
        finally:
            store.close()
        for i in mine:
            v = found.get(vote_key(i, rater, rubric))
            if v is not None:
                said = v.verdict(rubric.overall.key)
                out[i.id] = {"vote": said if sides[i.id] == "a" else flip(said),
                             "comment": v.comment}
    return out
