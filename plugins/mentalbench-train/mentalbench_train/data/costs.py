"""Tokens and dollars: `--dry-run` estimates before a run, spend after it (mentalbench's prices)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from mentalbench.api import Model, Usage

from . import prompts
from .pages import Page

#: Typical reply sizes, for the "expected" line of an estimate: a 300-word message is about
#: 420 tokens, a counselor answer about 350, a two-turn paraphrase about 250.
TYPICAL_MESSAGE_TOKENS = 420
TYPICAL_ANSWER_TOKENS = 350
TYPICAL_ROUND_TOKENS = 250


def _price(model: Model):
    from mentalbench.api import price_for, priced_name

    name = priced_name(model)
    return name, (price_for(name) if name else None)


def dollars(model: Model, usage: Usage) -> float | None:
    """What `usage` cost on this model: 0 for local models, None when the price is unknown."""
    from mentalbench.api import dollars as priced

    name, price = _price(model)
    if name is None:
        return 0.0
    return priced(usage, price)


def format_cost(model: Model, usage: Usage) -> str:
    value = dollars(model, usage)
    if _price(model)[0] is None:
        return "local model, no charge"
    return "price unknown" if value is None else f"US${value:.2f}"


def _expected(model: Model, stages: Sequence[tuple[int, int, int]]) -> str:
    """One line: calls, prompt tokens and typical output tokens, with their price."""
    calls = sum(c for c, _, _ in stages)
    usage = Usage(sum(p for _, p, _ in stages), sum(o for _, _, o in stages))
    return (f"Expected with typical reply lengths: {calls:,} calls, {usage.prompt_tokens:,} "
            f"prompt + {usage.completion_tokens:,} output tokens, {format_cost(model, usage)}.")


def estimate_synth(model: Model, needed: int, batch_size: int, weights: dict[str, float],
                   seed: int) -> str:
    """The dry-run table of `data synth` for `needed` more rows (no call is made)."""
    from mentalbench.api import Estimate, approx_tokens, format_estimate, priced_name

    batches = math.ceil(needed / batch_size) if needed else 0
    from .synth import stage1_request

    sample = stage1_request(weights, batch_size, seed, 1)[1]
    batch_prompt = approx_tokens("".join(m["content"] for m in sample))
    answer_prompt = approx_tokens(prompts.SYNTH_ANSWER_SYSTEM) + TYPICAL_MESSAGE_TOKENS
    name = priced_name(model)
    rows = []
    for stage, calls, prompt in (("messages", batches, batches * batch_prompt),
                                 ("answers", needed, needed * answer_prompt)):
        top = calls * model.max_tokens
        cost = 0.0 if name is None else dollars(model, Usage(prompt, top))
        rows.append(Estimate(stage, model.model_id, name, calls, prompt, top, cost))
    expected = _expected(model, [(batches, batches * batch_prompt,
                                  batches * batch_size * TYPICAL_MESSAGE_TOKENS),
                                 (needed, needed * answer_prompt,
                                  needed * TYPICAL_ANSWER_TOKENS)])
    return (format_estimate(rows) + "\n" + expected + "\nItems dropped by the filters or as "
            "duplicates are replaced by further batches, so real runs ask for somewhat more.")


def estimate_paraphrase(model: Model, pages: Sequence[Page], turns_per_request: int = 2) -> str:
    """The dry-run table of `data paraphrase` over these pages (no call is made)."""
    from mentalbench.api import Estimate, approx_tokens, format_estimate, priced_name

    def size(messages) -> int:
        return approx_tokens("".join(m["content"] for m in messages))

    if turns_per_request == 2:
        stages = [("pages", sum(size(prompts.paraphrase_request(p.text)) for p in pages),
                   TYPICAL_ROUND_TOKENS)]
    else:  # the counselor's request also carries the caregiver's turn (half a round)
        turn = TYPICAL_ROUND_TOKENS // 2
        stages = [("caregiver turns", sum(size(prompts.patient_turn_request(p.text))
                                          for p in pages), turn),
                  ("counselor turns", sum(size(prompts.counselor_turn_request(p.text, ""))
                                          + turn for p in pages), turn)]
    name = priced_name(model)
    top = len(pages) * model.max_tokens
    rows = [Estimate(stage, model.model_id, name, len(pages), prompt, top,
                     0.0 if name is None else dollars(model, Usage(prompt, top)))
            for stage, prompt, _ in stages]
    return (format_estimate(rows) + "\n"
            + _expected(model, [(len(pages), prompt, len(pages) * out)
                                for _, prompt, out in stages]))
