"""What the HTTP API backends share: options, keys, concurrency, retries with backoff, de-duplication."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import email.utils
import os
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from ..errors import MentalbenchError, require
from ..hashing import content_key
from ..models import Model, Progress
from ..options import GenerationOptions, options_dict
from ..records import ChatRequest, Completion


@dataclass(frozen=True)
class APIOptions(GenerationOptions):
    """Options of the API backends, on top of the shared sampling options."""

    model: str | None = None  # the API's model name; overrides the one after the prefix
    base_url: str | None = None
    api_key: str | None = None  # prefer the environment variable: options reach shell history
    max_concurrency: int = 16
    timeout: float = 120.0  # seconds for one attempt, start to finish
    max_retries: int = 8
    max_tokens: int | None = None  # the APIs' name for max_new_tokens; wins when set
    backoff: float = 1.0  # seconds before the first retry; doubles each time, with jitter


#: How to reach the API, not what it answers: left out of cache keys, so that changing the
#: concurrency or the endpoint of the same model never pays for the same work twice.
TRANSPORT_OPTIONS = frozenset({"base_url", "api_key", "max_concurrency", "timeout",
                               "max_retries", "backoff"})
MAX_BACKOFF = 60.0


class FatalAPIError(MentalbenchError):
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
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, base: float, retry_after: float | None,
                  rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number attempt+1: the server's wish, or exponential with jitter."""
    if retry_after is not None:
        return retry_after + base * 0.1 * rng()  # a little spread so waiters do not return at once
    cap = min(MAX_BACKOFF, base * 2 ** attempt)
    return cap / 2 + cap / 2 * rng()  # "equal jitter": never less than half the step


def scrub(text: str, secret: str | None) -> str:
    """`text` with the secret (and any long prefix of it) masked, for error messages."""
    if secret and len(secret) >= 8:
        text = text.replace(secret, "***").replace(secret[:12], "***")
    return text


def public_url(url: str | None) -> str | None:
    """The URL without user:password, fit for provenance."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def request_id(request: ChatRequest) -> str:
    """What makes two requests the same: their key, or their messages when they have none."""
    return request.key or content_key("messages", request.messages)


class _RateGate:
    """One pause shared by all requests of a model: set when a server asks everyone to wait."""

    def __init__(self) -> None:
        self.resume_at = 0.0

    def pause(self, seconds: float) -> None:
        self.resume_at = max(self.resume_at, time.monotonic() + seconds)

    async def wait(self) -> None:
        while (left := self.resume_at - time.monotonic()) > 0:
            await asyncio.sleep(left)


class APIModel(Model):
    """A chat model behind an HTTP API: requests of one generate() call run concurrently."""

    options_class = APIOptions
    #: The pip extra and importable module of the backend's SDK.
    extra: ClassVar[str] = ""
    sdk_module: ClassVar[str] = ""
    #: Environment variables that may hold the key, in order of preference.
    key_variables: ClassVar[tuple[str, ...]] = ()
    #: The model used when neither the id nor the `model` option names one.
    default_model: ClassVar[str] = ""

    def __init__(self, model_id: str, options: APIOptions, target: str | None = None):
        super().__init__(model_id, options, target)
        self.options: APIOptions = options
        self._gate = _RateGate()
        self._loop: _LoopThread | None = None
        self._client: Any = None
        #: Seconds slept between attempts (backoff), for tests and reports.
        self.sleeps: list[float] = []

    # -- what it is -----------------------------------------------------------------------
    @property
    def api_model(self) -> str:
        """The model name sent to the API."""
        return self.options.model or self.target or self.default_model

    @property
    def priced_as(self) -> str:
        """The name the price table knows this model by."""
        return f"{self.model_id.partition(':')[0]}:{self.api_model}"

    @property
    def chunk_size(self) -> int:  # type: ignore[override]
        return max(1, self.options.max_concurrency) * 4  # keeps the pool full across chunks

    @property
    def endpoint(self) -> str | None:
        """The server to call, when it is not the provider's own."""
        return self.options.base_url

    @property
    def max_tokens(self) -> int:
        return self.options.max_tokens or self.options.max_new_tokens

    def identity(self) -> dict[str, Any]:
        opts = {k: v for k, v in options_dict(self.options).items() if k not in TRANSPORT_OPTIONS}
        opts["model"] = self.api_model
        opts["max_tokens"] = self.max_tokens
        opts.pop("max_new_tokens", None)
        return {"model": self.model_id.partition(":")[0] + ":" + self.api_model,
                "options": opts, "system_prompt": self.system_prompt()}

    def provenance(self) -> dict[str, Any]:
        prov = {"model": self.model_id, "api_model": self.api_model,
                "options": {k: v for k, v in options_dict(self.options).items()
                            if k not in TRANSPORT_OPTIONS}}
        if self.options.base_url:
            prov["base_url"] = public_url(self.options.base_url)
        return prov

    # -- checks and keys --------------------------------------------------------------------
    def api_key(self) -> str | None:
        """The key from the option or the environment; None when there is none."""
        if self.options.api_key:
            return self.options.api_key
        for name in self.key_variables:
            if os.environ.get(name):
                return os.environ[name]
        return None

    def check(self) -> None:
        require(self.sdk_module, self.extra, f"model {self.model_id}")
        o = self.options
        if not self.api_model:
            raise MentalbenchError(f"model {self.model_id}: name a model, e.g. "
                                   f"{self.model_id.partition(':')[0]}:{self.default_model}")
        for name, value, low in (("max_concurrency", o.max_concurrency, 1),
                                 ("max_retries", o.max_retries, 0)):
            if value < low:
                raise MentalbenchError(f"option {name}={value} for {self.model_id}: "
                                       f"expected >= {low}")
        if o.timeout <= 0 or o.backoff < 0:
            raise MentalbenchError(f"options timeout={o.timeout}, backoff={o.backoff} for "
                                   f"{self.model_id}: expected timeout > 0 and backoff >= 0")
        if self.api_key() is None and not self.endpoint:
            raise MentalbenchError(
                f"model {self.model_id} needs an API key: set {' or '.join(self.key_variables)}"
                " (or pass the api_key option)")

    # -- backend hooks ----------------------------------------------------------------------
    async def open_client(self) -> Any:
        """Create the SDK's async client (inside the event loop that will use it)."""
        raise NotImplementedError

    async def close_client(self, client: Any) -> None:
        raise NotImplementedError

    async def attempt(self, client: Any, request: ChatRequest, top_logprobs: int) -> Completion:
        """One try at one request; raises on any failure."""
        raise NotImplementedError

    def classify(self, exc: BaseException) -> Failure:
        """Whether a failed attempt is worth retrying; unknown exceptions are bugs and re-raised."""
        raise NotImplementedError

    # -- the concurrent machinery -----------------------------------------------------------
    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None,
                 top_logprobs: int = 0) -> list[Completion]:
        """Complete every request concurrently (identical ones once); progress per request."""
        self.check()
        ids = [request_id(r) for r in requests]
        unique = dict(zip(ids, requests, strict=True))
        weight = collections.Counter(ids)  # duplicates finish with their original
        if self._loop is None:
            self._loop = _LoopThread()
        updates: queue.SimpleQueue = queue.SimpleQueue()
        done = object()
        future = self._loop.submit(self._complete_all(unique, weight, updates.put, top_logprobs))
        future.add_done_callback(lambda _: updates.put(done))
        try:
            # Progress is reported from the caller's thread, whatever reporter it uses.
            while (n := updates.get()) is not done:
                if progress:
                    progress(n)
        except BaseException:
            future.cancel()  # Ctrl-C: stop the requests in flight
            raise
        results = future.result()
        return [results[i] for i in ids]

    def close(self) -> None:
        if self._loop is not None:
            if self._client is not None:
                self._loop.submit(self.close_client(self._client)).result()
                self._client = None
            self._loop.close()
            self._loop = None

    async def _complete_all(self, unique: dict[str, ChatRequest], weight: Mapping[str, int],
                            report: Callable[[int], None], top_logprobs: int
                            ) -> dict[str, Completion]:
        if self._client is None:
            # One client for the model's life: connections stay open from chunk to chunk.
            self._client = await self.open_client()
        slots = asyncio.Semaphore(self.options.max_concurrency)
        out: dict[str, Completion] = {}

        async def one(rid: str, request: ChatRequest) -> None:
            out[rid] = await self._complete(self._client, slots, request, top_logprobs)
            report(weight[rid])
        try:
            async with asyncio.TaskGroup() as group:
                for rid, request in unique.items():
                    group.create_task(one(rid, request))
        except BaseExceptionGroup as eg:
            fatal = [e for e in eg.exceptions if isinstance(e, FatalAPIError)]
            raise (fatal[0] if fatal else eg.exceptions[0]) from None
        return out

    async def _complete(self, client: Any, slots: asyncio.Semaphore, request: ChatRequest,
                        top_logprobs: int) -> Completion:
        o = self.options
        key = self.api_key()
        attempt = 0
        while True:
            await self._gate.wait()
            async with slots:
                try:
                    async with asyncio.timeout(o.timeout):
                        return await self.attempt(client, request, top_logprobs)
                except TimeoutError:
                    failure = Failure(f"timed out after {o.timeout:g}s", retry=True)
                except Exception as exc:  # classify() re-raises what it does not know
                    failure = self.classify(exc)
            message = scrub(failure.message, key)
            if failure.fatal:
                raise FatalAPIError(f"{self.model_id}: {message}")
            if not failure.retry or attempt >= o.max_retries:
                tries = f" (after {attempt + 1} attempts)" if failure.retry else ""
                return Completion(text="", error=f"{self.model_id}: {message}{tries}")
            delay = backoff_delay(attempt, o.backoff, failure.retry_after)
            if failure.retry_after is not None:
                self._gate.pause(delay)  # the server asked everyone to slow down
            self.sleeps.append(delay)
            await asyncio.sleep(delay)
            attempt += 1


class _LoopThread:
    """An event loop in a daemon thread of its own: works whether or not the caller runs one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="mentalbench-api",
                                       daemon=True)
        self.thread.start()

    def submit(self, coro) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()
