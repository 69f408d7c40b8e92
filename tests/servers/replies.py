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


_PAIR_SLOT = re.compile(r"^(?:(.+): )?\[\[A, B or C\]\]$", re.M)


def _framed(text: str, label: str) -> str:
    return text.split(f"=== BEGIN {label} ===", 1)[1].split(f"=== END {label} ===", 1)[0].strip()


def pairwise_reply(user: str, style: str) -> str:
    """A pairwise verdict: "longer" prefers the longer answer whatever the order; "first"
    always prefers the answer shown first; "biased" does that on half the questions (by a
    hash of the question) and prefers the longer answer on the rest."""
    first, second = _framed(user, "RESPONSE A"), _framed(user, "RESPONSE B")
    question = _framed(user, "QUESTION")
    by_position = style == "first" or (
        style == "biased" and hashlib.sha256(question.encode()).digest()[0] % 2 == 0)
    if by_position:
        verdict = "A"
    else:
        verdict = "A" if len(first) > len(second) else "B" if len(second) > len(first) else "C"
    lines = [f"{name}: [[{verdict}]]" if name else f"[[{verdict}]]"
             for name in _PAIR_SLOT.findall(user)]
    return "I compared both responses with care.\n" + "\n".join(lines)


def reply(messages: list[dict], partial: bool = False, pairwise: str = "longer") -> str:
    """The fake model's reply; `partial` leaves most metrics out of a first verdict;
    `pairwise` is how it decides between two answers (see pairwise_reply)."""
    user = messages[-1]["content"]
    if "=== BEGIN RESPONSE A ===" in user:
        return pairwise_reply(user, pairwise)
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
