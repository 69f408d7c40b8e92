"""A dry run: the calls, tokens and dollars a run would spend, read from its plan and store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .generation import answer_key, messages_for
from .judge import JudgeTask
from .models import Model
from .pricing import PRICES_VARIABLE, dollars, price_for
from .records import Answer, Usage
from .runner import RunPlan
from .store import Store


@dataclass(frozen=True)
class Estimate:
    """The calls one stage would make, with prompt tokens estimated and the rest bounded."""

    stage: str
    name: str
    priced_as: str | None
    calls: int
    prompt_tokens: int
    max_completion_tokens: int
    max_dollars: float | None
    repairs: int = 0  # further calls possible when a reply leaves ratings out


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate: about four characters a token, plus a little per message."""
    return len(text) // 4 + 4


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


def _row(stage: str, name: str, model: Model, calls: int, prompt: int, completion: int,
         repairs: int = 0) -> Estimate:
    priced = model.priced_as
    cost = dollars(Usage(prompt, completion), price_for(priced)) if priced else 0.0
    return Estimate(stage, name, priced, calls, prompt, completion, cost, repairs)


def format_estimate(rows: Sequence[Estimate]) -> str:
    """The dry-run table: one line per stage, then the total."""
    lines = [f"{'stage':<30} {'calls':>7} {'prompt tok (est.)':>18} "
             f"{'output tok (max)':>17} {'US$ (max)':>10}"]
    total: float | None = 0.0
    for r in rows:
        label = f"{r.stage} ({r.name})"
        cost = "unknown" if r.max_dollars is None else f"{r.max_dollars:.2f}"
        if r.priced_as is None:
            cost = "local"
        lines.append(f"{label:<30} {r.calls:>7,} {r.prompt_tokens:>18,} "
                     f"{r.max_completion_tokens:>17,} {cost:>10}")
        total = None if total is None or r.max_dollars is None else total + r.max_dollars
    lines.append(f"{'total':<30} {sum(r.calls for r in rows):>7,} "
                 f"{sum(r.prompt_tokens for r in rows):>18,} "
                 f"{sum(r.max_completion_tokens for r in rows):>17,} "
                 f"{'unknown' if total is None else f'{total:.2f}':>10}")
    repairs = sum(r.repairs for r in rows)
    if repairs:
        lines.append(f"Judging may add up to {repairs:,} repair calls (short) where a reply "
                     "leaves ratings out.")
    unknown = sorted({r.priced_as for r in rows if r.priced_as and r.max_dollars is None})
    if unknown:
        lines.append(f"No price known for {', '.join(unknown)}: set ${PRICES_VARIABLE} "
                     "(see docs/api-backends.md).")
    lines.append("Prompt tokens are estimated at 4 characters a token; output tokens and "
                 "dollars are upper bounds (max_tokens per call).")
    return "\n".join(lines)
