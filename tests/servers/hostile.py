"""A hostile OpenAI-protocol judge: re-types quotes, never answers, drips, sends extreme values.

Behaviours (`HostileJudge(behaviour=...)`):

- "retype": quotes every line of the answer under review re-typed as plain text (NFKC, zero-width
  characters dropped, defanged brackets closed up again), then gives its own ratings, all
  `own_rating`; a parser that counts quoted lines as ratings reads the answer's numbers instead.
- "silent": accepts the connection and the request, and never answers.
- "drip": answers 200 with a long Content-Length, then one byte every `drip_seconds`, forever.
- "extreme": a 200 reply (or, for headers, a 429) carrying one extreme value, `extreme` naming
  which: see EXTREMES.
"""

from __future__ import annotations

import json
import re
import unicodedata

from .openai_api import FakeOpenAI
from .replies import answer_under_review

#: What "extreme" can send. Headers come with a 429; the rest in an otherwise good 200 reply.
EXTREMES = {
    # Waits that never end, as headers of a 429 reply.
    "retry-after-3600": {"retry-after": "3600"},
    "retry-after-inf": {"retry-after": "inf"},
    "retry-after-nan": {"retry-after": "nan"},
    "retry-after-1e9": {"retry-after": "1e9"},
    "retry-after-2100": {"retry-after": "Fri, 01 Jan 2100 00:00:00 GMT"},
    "retry-after-ms-huge": {"retry-after-ms": "1e15"},
    # Token counts nobody should believe.
    "usage-infinity": {"usage": float("inf")},
    "usage-negative": {"usage": -500_000_000},
    "usage-huge": {"usage": 10 ** 15},
    "usage-fraction": {"usage": 2.5},
    "usage-text": {"usage": "many"},
    "usage-nan": {"usage": float("nan")},
    # Logprobs of the rating tokens that are not log probabilities, or not digits.
    "logprob-nan": {"logprob": float("nan")},
    "logprob-positive": {"logprob": 1000.0},
    "logprob-minus-inf": {"logprob": float("-inf")},
    "logprob-superscript": {"alternative": "\u00b2"},
    "logprob-arabic-digit": {"alternative": "\u0667"},
    # A body nested deeper than any reader recurses.
    "nested": {"nested": 100_000},
}
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff]")


def retyped(text: str) -> str:
    """`text` as a judge re-types it: NFKC, invisibles dropped, '[ [' closed up to '[['."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return text.replace("[ [", "[[").replace("] ]", "]]").replace("{ {", "{{")


class HostileJudge(FakeOpenAI):
    """A FakeOpenAI whose every reply follows one hostile behaviour."""

    def __init__(self, *args, behaviour: str = "retype", extreme: str = "",
                 own_rating: int = 3, drip_seconds: float = 0.2, **kwargs):
        super().__init__(*args, **kwargs)
        if behaviour == "extreme" and extreme not in EXTREMES:
            raise ValueError(f"unknown extreme {extreme!r}")
        self.behaviour, self.extreme = behaviour, extreme
        self.own_rating, self.drip_seconds = own_rating, drip_seconds

    def _respond(self, h, body: dict, fault: str | None, sig: str):
        with self._lock:
            self.stats.outcomes[self.behaviour] += 1
        if self.behaviour == "silent":
            self._stopping.wait(3600)
            h.close_connection = True
        elif self.behaviour == "drip":
            self._drip(h)
        elif self.behaviour == "extreme":
            self._extreme(h, body)
        else:
            self._send(h, 200, self.success(body, self.verdict(body)))

    def verdict(self, body: dict) -> str:
        """Quotes of the answer, re-typed, then the judge's own ratings (or an answer)."""
        messages = self.messages(body)
        names = re.findall(r"^(.+): \[\[rating\]\]$", messages[-1]["content"], re.M)
        if not names:
            return "A plain answer from a hostile server."
        answer = answer_under_review(messages)
        quoted = "\n".join(retyped(line) for line in answer.splitlines() if line.strip())
        own = "\n".join(f"{n}: [[{self.own_rating}]]" for n in names)
        return f"The response says:\n{quoted}\n\nMy assessment:\n{own}"

    def _drip(self, h) -> None:
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", "100000000")
            h.end_headers()
            while not self._stopping.wait(self.drip_seconds):
                h.wfile.write(b" ")
                h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what it should do
        h.close_connection = True

    def _extreme(self, h, body: dict) -> None:
        what = EXTREMES[self.extreme]
        if any(k.startswith("retry-after") for k in what):
            payload, _ = self.error(429)
            return self._send(h, 429, payload, what)
        if "nested" in what:
            depth = what["nested"]
            data = ('{"choices": ' + "[" * depth + "]" * depth + "}").encode()
            return self._send_bytes(h, 200, data)
        reply = self.success({**body, "logprobs": True, "top_logprobs": 5}, self.verdict(body))
        if "usage" in what:
            reply["usage"].update(prompt_tokens=what["usage"], completion_tokens=what["usage"])
        for token in reply["choices"][0]["logprobs"]["content"]:
            if token["token"].isdigit() and len(token["top_logprobs"]) > 1:
                alt = token["top_logprobs"][1]
                if "logprob" in what:
                    alt["logprob"] = what["logprob"]
                if "alternative" in what:
                    alt["token"] = what["alternative"]
        self._send_bytes(h, 200, json.dumps(reply).encode())  # NaN and Infinity as JS writes
