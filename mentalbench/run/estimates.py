"""Estimates of what calls will cost, and the dry-run table that shows them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .cost import PRICES_VARIABLE


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
