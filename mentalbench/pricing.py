"""What API calls cost: a price table (overridable), estimates before a run, spend after it."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .records import Answer, Usage

if TYPE_CHECKING:
    from .models import Model
    from .runner import RunPlan


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens, from a date on (empty: always)."""

    input: float
    output: float
    since: str = ""


#: List prices of the providers' standard (non-batch) tiers, as published on the date below.
#: Override or extend with a TOML file named by $MENTALBENCH_PRICES (docs/api-backends.md).
PRICES_CHECKED = "2026-11-25"
PRICES: dict[str, tuple[Price, ...]] = {
    "openai:gpt-4-turbo": (Price(10.00, 30.00),),
    "openai:gpt-4-turbo-2024-04-09": (Price(10.00, 30.00),),
    "openai:gpt-4o": (Price(2.50, 10.00),),
    "openai:gpt-4o-mini": (Price(0.15, 0.60),),
    "openai:gpt-4.1": (Price(2.00, 8.00),),
    "openai:gpt-4.1-mini": (Price(0.40, 1.60),),
    # The gpt4 judge's replacement (mentalbench/data/judge_models.toml), checked 2026-11-30:
    # list price $5/$30 since its release (2026-07-09). OpenAI's model page offered $4/$20 from
    # 2026-08-21 "at least until 2026-11-21"; no page read says whether that still holds, so
    # the list price stays here: estimates may run high, never low. Prompts over 272K input
    # tokens cost 2x input, 1.5x output (not modelled; judge prompts are far shorter).
    "openai:gpt-5.6-sol": (Price(5.00, 30.00),),
    "gemini:gemini-3.8-flash": (Price(0.75, 3.75), Price(1.50, 7.50, since="2027-01-01")),
    "gemini:gemini-3.5-flash": (Price(1.50, 9.00),),
    "gemini:gemini-3.5-flash-lite": (Price(0.30, 2.50),),
    "gemini:gemini-3.1-pro-preview": (Price(2.00, 12.00),),  # prompts up to 200k tokens
    "gemini:gemini-2.5-pro": (Price(1.25, 10.00),),
    "gemini:gemini-2.5-flash": (Price(0.30, 2.50),),
}
PRICES_VARIABLE = "MENTALBENCH_PRICES"


def _load_overrides(path: Path) -> dict[str, tuple[Price, ...]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"${PRICES_VARIABLE}={path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}") from None
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), int | float) for k in ("input", "output")):
            raise InputError(f"{path}: [{name!r}]: expected numbers 'input' and 'output' "
                             "(US dollars per million tokens)")
        out[name] = (Price(float(entry["input"]), float(entry["output"])),)
    return out


def price_table() -> dict[str, tuple[Price, ...]]:
    """The built-in prices, overridden by the file $MENTALBENCH_PRICES names (if set)."""
    table = dict(PRICES)
    if os.environ.get(PRICES_VARIABLE):
        table.update(_load_overrides(Path(os.environ[PRICES_VARIABLE])))
    return table


def price_for(name: str | None, today: dt.date | None = None,
              table: dict[str, tuple[Price, ...]] | None = None) -> Price | None:
    """The price in force today for a priced name like "openai:gpt-4o"; None if unknown."""
    if not name:
        return None
    entries = (table if table is not None else price_table()).get(name)
    if not entries:
        return None
    day = (today or dt.date.today()).isoformat()
    current = [p for p in entries if p.since <= day]
    return max(current, key=lambda p: p.since) if current else None


def dollars(usage: Usage, price: Price | None) -> float | None:
    if price is None:
        return None
    return (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1e6


def priced_name(model: Model) -> str | None:
    """The price-table name of a paid API model; None for models that run locally."""
    return getattr(model, "priced_as", None)


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate: about four characters a token, plus a little per message."""
    return len(text) // 4 + 4


def _max_tokens(model: Model) -> int:
    return getattr(model, "max_tokens", None) or model.options.max_new_tokens


# -- before a run -------------------------------------------------------------------------

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


def _stored_keys(path: Path, table: str) -> set[str]:
    """Keys already in a run's store, read without writing anything."""
    if not path.is_file():
        return set()
    # immutable: no lock, no -wal/-shm files created; an estimate may read a moment stale.
    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return {row[0] for row in db.execute(f"SELECT key FROM {table}")}
    except sqlite3.OperationalError:
        return set()
    finally:
        db.close()


def estimate_run(plan: RunPlan, answers: dict[str, Answer] | None = None) -> list[Estimate]:
    """What `plan` would request: stored results cost nothing, everything else is counted."""
    from .generation import answer_key, messages_for
    from .judging import JudgeTask

    db = plan.out / "store.sqlite"
    rows: list[Estimate] = []
    if answers is None:
        assert plan.model is not None
        model = plan.model
        stored = _stored_keys(db, "answers")
        keys = {q.id: answer_key(model, q) for q in plan.selected}
        pending = [q for q in plan.selected if keys[q.id] not in stored]
        prompt = sum(approx_tokens("".join(m["content"] for m in messages_for(model, q)))
                     for q in pending)
        rows.append(_row("answering", plan.label, model, len(pending), prompt,
                         len(pending) * _max_tokens(model)))
        # Answers not written yet are assumed as long as they may be.
        placeholder = "x" * (4 * _max_tokens(model))
        answers = {q.id: Answer(keys[q.id], q.id, plan.label, placeholder, Usage(), {})
                   for q in plan.selected}
    stored = _stored_keys(db, "judgments")
    by_id = {q.id: q for q in plan.selected}
    tasks = [JudgeTask(a, by_id[qid]) for qid, a in answers.items() if qid in by_id]
    for judge in plan.judges:
        pending = [t for t in tasks if judge.key(t.answer) not in stored]
        prompt = sum(approx_tokens("".join(m["content"] for m in judge.rubric.messages(
            t.question.text, t.answer.text))) for t in pending) * judge.samples
        calls = len(pending) * judge.samples
        rows.append(_row("judging", judge.name, judge.model, calls, prompt,
                         calls * _max_tokens(judge.model), repairs=calls))
    return rows


def _row(stage: str, name: str, model: Model, calls: int, prompt: int, completion: int,
         repairs: int = 0) -> Estimate:
    priced = priced_name(model)
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


# -- after a run --------------------------------------------------------------------------

def spend(stage: str, name: str, model: Model, usages: Iterable[Usage],
          new_usages: Iterable[Usage]) -> dict[str, Any]:
    """Tokens and dollars of a stage: of every stored result, and of those made this time."""
    price = price_for(priced_name(model))
    total, new = list(usages), list(new_usages)
    all_usage, new_usage = sum(total, Usage()), sum(new, Usage())
    local = priced_name(model) is None
    return {"stage": stage, "name": name, "priced_as": priced_name(model),
            "results": len(total), "prompt_tokens": all_usage.prompt_tokens,
            "completion_tokens": all_usage.completion_tokens,
            "dollars": 0.0 if local else _round(dollars(all_usage, price)),
            "new_results": len(new), "new_prompt_tokens": new_usage.prompt_tokens,
            "new_completion_tokens": new_usage.completion_tokens,
            "new_dollars": 0.0 if local else _round(dollars(new_usage, price))}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def format_spend(row: dict[str, Any]) -> str:
    """One line of the run summary."""
    def cost(value):
        if row["priced_as"] is None:
            return "local"
        return "price unknown" if value is None else f"${value:.2f}"
    return (f"{row['stage']} ({row['name']}): {row['results']} results, "
            f"{row['prompt_tokens']:,} prompt + {row['completion_tokens']:,} output tokens, "
            f"{cost(row['dollars'])}; this run: {row['new_results']} new, "
            f"{row['new_prompt_tokens']:,} + {row['new_completion_tokens']:,} tokens, "
            f"{cost(row['new_dollars'])}")
