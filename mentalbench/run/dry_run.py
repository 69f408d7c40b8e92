"""A dry run: what a run would request, read from its plan and its store (nothing is called)."""

from __future__ import annotations

from ..judging.judge import JudgeTask
from ..models.base import Model
from ..records.base import Answer, Usage
from ..store.database import Store
from .answering import answer_key, messages_for
from .cost import dollars, price_for
from .estimates import Estimate, approx_tokens
from .execute import RunPlan


def _stored(plan: RunPlan) -> Store | None:
    path = plan.out / "store.sqlite"
    return Store.readonly(path) if path.is_file() else None


def estimate_run(plan: RunPlan) -> list[Estimate]:
    """What `plan` would request: stored results cost nothing, everything else is counted."""
    store = _stored(plan)
    try:
        return _estimate(plan, store)
    finally:
        if store is not None:
            store.close()


def _estimate(plan: RunPlan, store: Store | None) -> list[Estimate]:
    rows: list[Estimate] = []
    selected = {q.id for q in plan.selected}
    if plan.model is not None:
        model = plan.model
        keys = {q.id: answer_key(model, q) for q in plan.selected}
        stored = store.answers(keys.values()) if store else {}
        pending = [q for q in plan.selected if keys[q.id] not in stored]
        prompt = sum(approx_tokens("".join(m["content"] for m in messages_for(model, q)))
                     for q in pending)
        rows.append(_row("answering", plan.label, model, len(pending), prompt,
                         len(pending) * model.max_tokens))
        # Answers not written yet are assumed as long as they may be.
        placeholder = "x" * (4 * model.max_tokens)
        answers = [stored.get(keys[q.id]) or Answer(keys[q.id], q.id, plan.label, placeholder,
                                                    Usage(), {}) for q in plan.selected]
    else:
        answers = [a for f in plan.answer_files for a in f.answers if a.question_id in selected]
    by_id = {q.id: q for q in plan.selected}
    tasks = [JudgeTask(a, by_id[a.question_id]) for a in answers
             if plan.judge_empty or a.text.strip()]
    if plan.pairwise is not None:
        return rows + _pairwise_rows(plan, tasks, store)
    for judge in plan.judges:
        keys = [judge.key(t.answer.key) for t in tasks]
        done = store.judgments(keys) if store else {}
        pending = [t for t, k in zip(tasks, keys, strict=True) if k not in done or (
            plan.retry_unscored and done[k].status != "scored")]
        prompt = sum(approx_tokens("".join(m["content"] for m in judge.prompt(t).messages))
                     for t in pending) * judge.samples
        calls = len(pending) * (1 if judge.local_logprobs else judge.samples)
        rows.append(_row("judging", judge.name, judge.model, calls, prompt,
                         0 if judge.local_logprobs else calls * judge.model.max_tokens,
                         repairs=0 if judge.local_logprobs else calls))
    return rows


def _pairwise_rows(plan: RunPlan, tasks: list[JudgeTask], store: Store | None
                   ) -> list[Estimate]:
    """Votes a pairwise run would ask for: two orders of every pair not stored scored."""
    from ..judging.pairwise import ORDERS, messages, pair_tasks, vote_key
    from ..store import pairwise as pairwise_store

    pairwise = plan.pairwise
    pairs = pair_tasks(pairwise, [t.answer for t in tasks], plan.selected)
    rows = []
    for judge in plan.judges:
        wanted = {vote_key(judge, pairwise.rubric, p, first): (p, first)
                  for p in pairs for first in ORDERS}
        done = pairwise_store.votes(store.db, wanted) if store else {}
        pending = [pf for k, pf in wanted.items() if k not in done or (
            plan.retry_unscored and done[k].status != "scored")]
        prompt = sum(approx_tokens("".join(m["content"] for m in messages(pairwise.rubric, *pf)))
                     for pf in pending)
        rows.append(_row("pairwise judging", judge.name, judge.model, len(pending), prompt,
                         len(pending) * judge.model.max_tokens))
    return rows


def _row(stage: str, name: str, model: Model, calls: int, prompt: int, completion: int,
         repairs: int = 0) -> Estimate:
    priced = model.priced_as
    cost = dollars(Usage(prompt, completion), price_for(priced)) if priced else 0.0
    return Estimate(stage, name, priced, calls, prompt, completion, cost, repairs)
