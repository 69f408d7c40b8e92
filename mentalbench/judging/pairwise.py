"""Pairwise judging: the judge sees two answers to one question, in both orders, and votes.

Each order is its own vote (and request); every reply is stored as it arrives, so a rerun
asks only for votes the store lacks (and, unless told not to, those left without a verdict).
"""

from __future__ import annotations

import collections
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError
from ..inputs.pairwise_rubric import PairwiseRubric
from ..models.progress import Reporter
from ..records.base import Answer, ChatRequest, Completion, Question
from ..records.hashing import content_key
from ..records.pairwise import FAILED, SCORED, PairwiseIdentity, PairwiseVote, flip, status_of
from ..store import pairwise as pairwise_store
from ..store.database import Store
from .judge import Judge, JudgeContext
from .stage import _call

ORDERS = ("a", "b")  # which model's answer is shown first, as "A"


@dataclass(frozen=True)
class PairwisePlan:
    """How to pair answers: each model against a baseline, or all pairs, or N pairs a question."""

    rubric: PairwiseRubric
    baseline: str | None = None
    pairs: str = "all"  # "all" or a number of model pairs drawn per question
    seed: int = 0

    def record(self) -> dict:
        return {"rubric": self.rubric.name, "rubric_sha": self.rubric.sha256,
                "baseline": self.baseline, "pairs": self.pairs, "seed": self.seed}


@dataclass(frozen=True)
class PairTask:
    """Two answers to one question; `b` is the baseline's when there is one."""

    question: Question
    a: Answer
    b: Answer


def pair_tasks(plan: PairwisePlan, answers: Sequence[Answer],
               questions: Sequence[Question]) -> list[PairTask]:
    """The pairs to judge: one answer (the first sample) per model and question."""
    by_question: dict[str, dict[str, Answer]] = collections.defaultdict(dict)
    for a in sorted(answers, key=lambda a: (a.question_id, a.model, a.sample)):
        by_question[a.question_id].setdefault(a.model, a)
    models = sorted({a.model for a in answers})
    if plan.baseline is not None and plan.baseline not in models:
        raise InputError(f"--baseline {plan.baseline!r}: no answers by that model (models: "
                         f"{', '.join(models) or 'none'})")
    if len(models) < 2:
        raise InputError(f"--judge-mode pairwise: needs answers of two models or more (found "
                         f"{', '.join(models) or 'none'})")
    tasks = []
    for q in questions:
        have = by_question.get(q.id, {})
        if plan.baseline is not None:
            base = have.get(plan.baseline)
            pairs = [(m, plan.baseline) for m in sorted(have) if m != plan.baseline] \
                if base else []
        else:
            pairs = list(itertools.combinations(sorted(have), 2))
            if plan.pairs != "all":
                rng = random.Random(f"{plan.seed}:{q.id}")
                pairs = sorted(rng.sample(pairs, min(int(plan.pairs), len(pairs))))
        tasks += [PairTask(q, have[x], have[y]) for x, y in pairs]
    return tasks


def vote_key(judge: Judge, rubric: PairwiseRubric, task: PairTask, first: str) -> str:
    ident = {"judge": judge.name, "model": judge.model.identity(), "rubric": rubric.sha256}
    return content_key("pairwise", task.a.key, task.b.key, first, ident)


def identity(judge: Judge, rubric: PairwiseRubric, task: PairTask, first: str,
             ctx: JudgeContext) -> PairwiseIdentity:
    return PairwiseIdentity(
        question_id=task.question.id, model_a=task.a.model, answer_set_a=task.a.answer_set,
        answer_key_a=task.a.key, model_b=task.b.model, answer_set_b=task.b.answer_set,
        answer_key_b=task.b.key, judge=judge.name, judge_model=judge.asked_model,
        rubric=rubric.name, rubric_sha=rubric.sha256, question_set=ctx.question_set,
        question_set_sha=ctx.question_set_sha, shown_first=first)


def messages(rubric: PairwiseRubric, task: PairTask, first: str) -> list[dict[str, str]]:
    one, two = (task.a, task.b) if first == "a" else (task.b, task.a)
    return rubric.messages(task.question.text, one.text, two.text)


def vote_from_reply(judge: Judge, rubric: PairwiseRubric, task: PairTask, first: str,
                    reply: Completion, attempt: int, ctx: JudgeContext) -> PairwiseVote:
    """A vote from the judge's reply, its verdicts turned from positions into models."""
    shown = rubric.verdicts(reply.text)
    verdicts = {k: (v if first == "a" else flip(v)) for k, v in shown.items()}
    return PairwiseVote(key=vote_key(judge, rubric, task, first),
                        identity=identity(judge, rubric, task, first, ctx), verdicts=verdicts,
                        status=status_of(verdicts), mode="text", raw=reply.text,
                        usage=reply.usage,
                        judge_model_served=reply.served_model or judge.asked_model,
                        attempt=attempt)


def failed_vote(judge: Judge, rubric: PairwiseRubric, task: PairTask, first: str, error: str,
                attempt: int, ctx: JudgeContext) -> PairwiseVote:
    return PairwiseVote(key=vote_key(judge, rubric, task, first),
                        identity=identity(judge, rubric, task, first, ctx),
                        verdicts={m.key: None for m in rubric.rated}, status=FAILED,
                        error=error, attempt=attempt)


def run_pairwise(judge: Judge, plan: PairwisePlan, tasks: Sequence[PairTask], store: Store,
                 reporter: Reporter, ctx: JudgeContext, *, retry_unscored: bool = True
                 ) -> tuple[dict[str, PairwiseVote], list[PairwiseVote]]:
    """Ask for every vote the store lacks; store each as its reply arrives; (all votes, the
    votes made now)."""
    rubric = plan.rubric
    wanted = {vote_key(judge, rubric, t, first): (t, first) for t in tasks for first in ORDERS}
    stored = pairwise_store.votes(store.db, wanted)
    _reread(judge, rubric, wanted, stored, store, ctx)
    todo = {key: (t, first, 0 if key not in stored else stored[key].attempt + 1)
            for key, (t, first) in wanted.items()
            if key not in stored or (retry_unscored and stored[key].status != SCORED)}
    request_key = {key: key if attempt == 0 else f"{key}:retry{attempt}"
                   for key, (_, _, attempt) in todo.items()}
    replies = store.replies(request_key.values())
    errors: dict[str, str] = {}
    requests = [ChatRequest(tuple(messages(rubric, t, first)), request_key[key])
                for key, (t, first, _) in todo.items()]
    _call(judge, requests, store, reporter, f"pairwise judging ({judge.name})", replies, errors,
          calls=[])
    new = []
    for key, (t, first, attempt) in todo.items():
        reply = replies.get(request_key[key])
        if reply is None:
            why = errors.get(request_key[key], "not judged")
            new.append(failed_vote(judge, rubric, t, first, f"judge {judge.name}: {why}",
                                   attempt, ctx))
        else:
            new.append(vote_from_reply(judge, rubric, t, first, reply, attempt, ctx))
    pairwise_store.put_votes(store.db, new)
    return {**stored, **{v.key: v for v in new}}, new


def _reread(judge: Judge, rubric: PairwiseRubric, wanted: dict, stored: dict[str, PairwiseVote],
            store: Store, ctx: JudgeContext) -> None:
    """Votes are a pure function of their stored replies: read them again with today's parser
    and store those whose verdicts changed."""
    keyed = {key: key if v.attempt == 0 else f"{key}:retry{v.attempt}"
             for key, v in stored.items() if v.status != FAILED}
    replies = store.replies(keyed.values())
    changed = []
    for key, request_key in keyed.items():
        if request_key in replies:
            task, first = wanted[key]
            fresh = vote_from_reply(judge, rubric, task, first, replies[request_key],
                                    stored[key].attempt, ctx)
            if fresh.verdicts != stored[key].verdicts:
                changed.append(fresh)
                stored[key] = fresh
    pairwise_store.put_votes(store.db, changed)


def tally_pairwise(judges: Sequence[Judge], plan: PairwisePlan, tasks: Sequence[PairTask],
                   store: Store, ctx: JudgeContext, stopped: str
                   ) -> tuple[int, int, collections.Counter]:
    """(expected, scored, causes of votes left undone); votes never asked are stored failed."""
    undone: collections.Counter = collections.Counter()
    scored = expected = 0
    for judge in judges:
        wanted = {vote_key(judge, plan.rubric, t, first): (t, first)
                  for t in tasks for first in ORDERS}
        stored = pairwise_store.votes(store.db, wanted)
        missing = []
        for key, (t, first) in wanted.items():
            expected += 1
            v = stored.get(key)
            if v is None:
                why = f"not judged: {stopped}" if stopped else "not judged"
                missing.append(failed_vote(judge, plan.rubric, t, first, why, 0, ctx))
                undone[why] += 1
            elif v.status == SCORED:
                scored += 1
            elif v.status == FAILED:
                undone[v.error] += 1
            else:
                undone[f"judge {judge.name}: pairwise vote {v.status} (no usable verdict)"] += 1
        pairwise_store.put_votes(store.db, missing)
    return expected, scored, undone
