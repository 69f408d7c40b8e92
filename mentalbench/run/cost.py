"""What API calls cost: a price table (overridable), and the spend of a finished run."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..inputs.textfiles import read_text
from ..records.base import Usage

if TYPE_CHECKING:
    from ..models.base import Model


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
    # The gpt4 judge's replacement (mentalbench/judging/paper_judges.toml), checked 2026-11-30:
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
    if not path.exists():
        raise InputError(f"${PRICES_VARIABLE}={path}: No such file or directory")
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}") from None
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), int | float) and not isinstance(entry[k], bool)
                and entry[k] >= 0 for k in ("input", "output")):
            raise InputError(f"{path}: [{name!r}]: expected numbers 'input' and 'output' >= 0 "
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
    return model.priced_as


# -- after a run --------------------------------------------------------------------------

def spend(stage: str, name: str, model: Model, usages: Iterable[Usage],
          new_usages: Iterable[Usage]) -> dict[str, Any]:
    """Tokens and dollars of a stage: of every stored result, and of the calls made this time
    (`new_results` counts those calls; replies stored by an earlier, killed run are not)."""
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
    return (f"{row['stage']} ({row['name']}): this run: {row['new_results']} calls, "
            f"{row['new_prompt_tokens']:,} prompt + {row['new_completion_tokens']:,} output "
            f"tokens, {cost(row['new_dollars'])}; total stored: {row['results']} results, "
            f"{row['prompt_tokens']:,} + {row['completion_tokens']:,} tokens, "
            f"{cost(row['dollars'])}")
