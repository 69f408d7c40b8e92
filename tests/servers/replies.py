"""What the fake API servers say: answers to questions, judge verdicts, repairs and logprobs."""

from __future__ import annotations

import hashlib
import math
import re

_SLOT = re.compile(r"^(.+): \[\[rating\]\]$", re.M)
_RESPONSE = "=== BEGIN RESPONSE TO EVALUATE ==="
_TOKEN = re.compile(r"\[\[|\]\]|\d+|[A-Za-z]+|\s+|.", re.S)


def rating(metric: str, answer: str) -> int:
    """The rating the fake judge gives `metric` for `answer`: fixed by their hash, 1 to 10."""
    digest = hashlib.sha256(f"{metric}\0{answer}".encode()).digest()
    return 1 + digest[0] % 10


def answer_under_review(messages: list[dict]) -> str:
    """The answer text inside a judge prompt (any message of the conversation)."""
    for m in messages:
        if _RESPONSE in m["content"]:
            return m["content"].split(_RESPONSE, 1)[1].split("===", 1)[0].strip()
    return ""


def reply(messages: list[dict], partial: bool = False) -> str:
    """The fake model's reply; `partial` leaves most metrics out of a first verdict."""
    user = messages[-1]["content"]
    names = _SLOT.findall(user)
    if not names:
        words = " ".join(user.split()[:6])
        return f"Thank you for telling me about this ({words}). You are not alone; let us take it step by step."
    answer = answer_under_review(messages)
    if "did not give a usable rating" in user:
        return "\n".join(f"{n}: [[{rating(n, answer)}]]" for n in names)
    if partial:
        names = names[:2]
    lines = "\n".join(f"{n}: [[{rating(n, answer)}]]" for n in names)
    return f"The response is warm and specific, with room to grow.\n{lines}"


def count_tokens(text: str) -> int:
    """A stand-in tokenizer count: about four characters a token."""
    return max(1, len(text) // 4)


def top_logprobs(text: str, top: int) -> list[dict]:
    """OpenAI-style logprobs for `text`: a rating r is 0.7 likely, r-1 and r+1 0.15 each."""
    tokens = _TOKEN.findall(text)
    out = []
    for i, tok in enumerate(tokens):
        alts = [(tok, 0.0)]
        if tok.isdigit() and i > 0 and tokens[i - 1] == "[[":
            r = int(tok)
            near = [v for v in (r - 1, r + 1) if 1 <= v <= 10]
            rest = (1 - 0.7) / len(near)
            alts = [(tok, math.log(0.7))] + [(str(v), math.log(rest)) for v in near]
        entry = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in alts[:top]]
        out.append({"token": tok, "logprob": alts[0][1], "bytes": list(tok.encode()),
                    "top_logprobs": entry})
    return out
