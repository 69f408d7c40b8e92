"""How API backends retry: which failures are worth another try, and how long to wait."""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import EndpointError

MAX_BACKOFF = 60.0


class FatalAPIError(EndpointError):
    """A failure that every further request would repeat (a refused key, an unknown model)."""


@dataclass(frozen=True)
class Failure:
    """How one failed attempt is handled: retried (after retry_after, if the server said), or not."""

    message: str
    retry: bool
    retry_after: float | None = None
    fatal: bool = False


#: Statuses that say "try again later" (timeout, conflict, rate limit); so does every 5xx.
RETRY_STATUSES = frozenset({408, 409, 429})


def status_failure(status: int, message: str, retry_after: float | None,
                   model_hint: str) -> Failure:
    """How every API backend handles an HTTP error status (`message` already names it).

    401/403: the key is refused, so every request would fail: stop. 404: the model is not
    served there: stop, naming `model_hint`. 408/409/429/5xx: retry, after `retry_after`
    seconds when the server said. Any other 4xx: this request is at fault; no retry.
    """
    if status in (401, 403):
        return Failure(f"the server refused the API key ({message})", retry=False, fatal=True)
    if status == 404:
        return Failure(f"{message} (is model={model_hint!r} served there? pin another with "
                       "the model option)", retry=False, fatal=True)
    if status in RETRY_STATUSES or status >= 500:
        return Failure(message, retry=True, retry_after=retry_after)
    return Failure(message, retry=False)


class MalformedResponse(Exception):
    """The server answered 200 with something that is not a usable reply."""


def retry_after_seconds(headers: Any) -> float | None:
    """The wait a server asks for: retry-after-ms, or Retry-After in seconds or as an HTTP date."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            seconds = float(ms) / 1000
            return seconds if seconds > 0 or math.isnan(seconds) else 0.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
        return seconds if seconds > 0 or math.isnan(seconds) else 0.0
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


#: Token counts at or above this are not believed (no reply or prompt is a billion tokens).
MAX_TOKEN_COUNT = 100_000_000


def token_count(value: object, field: str) -> int:
    """A server's token count: a non-negative whole number below MAX_TOKEN_COUNT, or a
    MalformedResponse (the reply is a failed attempt, retried)."""
    if value is None:
        return 0
    ok = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer())
    if not ok or not 0 <= value < MAX_TOKEN_COUNT:
        raise MalformedResponse(f"usage {field}={value!r}: expected a whole number of tokens "
                                f"from 0 to {MAX_TOKEN_COUNT:,}")
    return int(value)


def logprob_alternatives(pairs: Any) -> dict[str, float]:
    """Top alternatives of one token as {token: logprob}, keeping only finite logprobs <= 0."""
    out: dict[str, float] = {}
    for token, logprob in pairs:
        try:
            value = float(logprob)
        except (TypeError, ValueError):
            continue
        if isinstance(token, str) and math.isfinite(value) and value <= 0:
            out[token] = value
    return out


def backoff_delay(attempt: int, base: float, retry_after: float | None,
                  rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number attempt+1: the server's wish, or exponential with jitter."""
    if retry_after is not None:
        return retry_after + base * 0.1 * rng()  # a little spread so waiters do not return at once
    cap = min(MAX_BACKOFF, base * 2 ** attempt)
    return cap / 2 + cap / 2 * rng()  # "equal jitter": never less than half the step


class RateGate:
    """One pause shared by all requests of a model: set when a server asks everyone to wait."""

    def __init__(self) -> None:
        self.resume_at = 0.0

    def pause(self, seconds: float) -> None:
        self.resume_at = max(self.resume_at, time.monotonic() + seconds)

    async def wait(self) -> None:
        while (left := self.resume_at - time.monotonic()) > 0:
            await asyncio.sleep(left)


