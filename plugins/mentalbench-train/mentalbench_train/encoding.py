"""Examples to token ids and labels: the model's chat template, loss on the assistant's words only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mentalbench.api import MentalbenchError

from .datasets import Example

IGNORE = -100


@dataclass(frozen=True)
class Encoded:
    """Token ids with labels (IGNORE outside assistant turns) and what truncation cut."""

    input_ids: tuple[int, ...]
    labels: tuple[int, ...]
    source_cut: int
    target_cut: int


def chat_template(tokenizer) -> str:
    """The template used for training: the tokenizer's, or the one the HF backend falls back to."""
    from mentalbench.api import CHAT_TEMPLATE_FALLBACK as FALLBACK_TEMPLATE

    return tokenizer.chat_template or FALLBACK_TEMPLATE


def with_system(example: Example, system_prompt: str) -> list[dict[str, str]]:
    """The conversation as the benchmark shows it: a system message first, always."""
    msgs = list(example.messages)
    if msgs[0]["role"] != "system":
        msgs.insert(0, {"role": "system", "content": system_prompt})
    return msgs


def _segments(tokenizer, template: str, msgs: Sequence[dict[str, str]], source: str):
    """(text, trained) pieces whose concatenation is the rendered conversation.

    Each assistant turn yields three pieces: the text since the last answer, the assistant
    header that opens the turn, and the answer itself (the only trained piece).
    """
    def render(upto: int, open_turn: bool) -> str:
        return tokenizer.apply_chat_template(list(msgs[:upto]), chat_template=template,
                                             tokenize=False, add_generation_prompt=open_turn)

    pieces: list[tuple[str, bool]] = []
    done = ""
    for i, m in enumerate(msgs):
        if m["role"] != "assistant":
            continue
        closed, opened, full = render(i, False), render(i, True), render(i + 1, False)
        if not (closed.startswith(done) and opened.startswith(closed) and full.startswith(opened)):
            raise MentalbenchError(f"{source}: the chat template does not render turns as a "
                                   "growing prefix, so the answer tokens cannot be located")
        pieces += [(closed[len(done):], False), (opened[len(closed):], False),
                   (full[len(opened):], True)]
        done = full
    return pieces


def encode(example: Example, tokenizer, template: str, system_prompt: str, source_max: int,
           target_max: int) -> Encoded:
    """Tokenize one example; prompt cut to source_max tokens and final answer to target_max.

    A long prompt loses its end but keeps the assistant header that closes it: a prompt cut
    inside the template would teach a format the model never sees when answering.
    """
    pieces = _segments(tokenizer, template, with_system(example, system_prompt), example.source)

    def ids(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False).input_ids if text else []

    *prompt, (opener, _), (answer_text, _) = pieces
    prompt_ids: list[int] = []
    prompt_labels: list[int] = []
    for text, trained in prompt:
        piece = ids(text)
        prompt_ids += piece
        prompt_labels += piece if trained else [IGNORE] * len(piece)
    opener_ids = ids(opener)
    room = max(0, source_max - len(opener_ids))
    source_cut = max(0, len(prompt_ids) - room)
    answer = ids(answer_text)
    target_cut = max(0, len(answer) - target_max)
    answer = answer[:target_max]
    input_ids = prompt_ids[:room] + opener_ids + answer
    labels = prompt_labels[:room] + [IGNORE] * len(opener_ids) + answer
    return Encoded(tuple(input_ids), tuple(labels), source_cut, target_cut)


def encode_all(examples: Sequence[Example], tokenizer, system_prompt: str, source_max: int,
               target_max: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Rows of {input_ids, labels} for a datasets.Dataset, and counts for the manifest."""
    template = chat_template(tokenizer)
    rows, stats = [], {"examples": 0, "tokens": 0, "answer_tokens": 0, "prompts_cut": 0,
                       "answers_cut": 0}
    for ex in examples:
        enc = encode(ex, tokenizer, template, system_prompt, source_max, target_max)
        rows.append({"input_ids": list(enc.input_ids), "labels": list(enc.labels)})
        stats["examples"] += 1
        stats["tokens"] += len(enc.input_ids)
        stats["answer_tokens"] += sum(1 for t in enc.labels if t != IGNORE)
        stats["prompts_cut"] += enc.source_cut > 0
        stats["answers_cut"] += enc.target_cut > 0
    return rows, stats
