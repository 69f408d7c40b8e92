"""What the HTTP API backends share: options, keys, concurrency, retries with backoff, de-duplication."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from ...errors import InputError, MentalbenchError, require
from ...models.base import Model, OnResult, Progress
from ...models.options import GenerationOptions, options_dict
from ...models.secrets import mask_text, mask_url, remember
from ...records.base import ChatRequest, Completion
from ...records.hashing import content_key
from .retry import Failure, FatalAPIError, RateGate, backoff_delay


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
    #: With no reply yet, connection failures and timeouts for this long mean the endpoint is
    #: down: stop.
    unreachable_after: float = 30.0
    #: The longest wait a server may ask for (Retry-After, RetryInfo); a longer one stops that
    #: request, recorded as failed.
    max_wait: float = 60.0

    def validate(self, owner: str) -> None:
        super().validate(owner)
        if self.max_tokens is not None and self.max_tokens < 1:
            raise InputError(f"option max_tokens={self.max_tokens} for {owner}: expected >= 1")
        for name, value, low in (("max_concurrency", self.max_concurrency, 1),
                                 ("max_retries", self.max_retries, 0)):
            if value < low:
                raise InputError(f"option {name}={value} for {owner}: expected >= {low}")
        for name, value in (("timeout", self.timeout), ("backoff", self.backoff),
                            ("unreachable_after", self.unreachable_after)):
            if not math.isfinite(value):  # every wait has an end
                raise InputError(f"option {name}={value} for {owner}: expected a finite number "
                                 "of seconds")
        if not self.unreachable_after > 0:
            raise InputError(f"option unreachable_after={self.unreachable_after} for {owner}: "
                             "expected seconds > 0")
        if not 0 <= self.max_wait < float("inf"):
            raise InputError(f"option max_wait={self.max_wait} for {owner}: expected seconds "
                             ">= 0")
        if not self.timeout > 0 or self.backoff < 0:
            raise InputError(f"options timeout={self.timeout}, backoff={self.backoff} for "
                             f"{owner}: expected timeout > 0 and backoff >= 0")
        if self.base_url is not None:
            check_url(self.base_url, f"option base_url for {owner}")


def check_url(url: str, what: str) -> None:
    """One-line error unless `url` is an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        ok = False
    if not ok:
        raise InputError(f"{what}={mask_url(url)!r}: expected an http(s) URL with a host, "
                         "e.g. http://127.0.0.1:8000/v1")


#: Seconds without a finished request after which progress is reported anyway (a line at
#: least this often while a server keeps a run waiting).
HEARTBEAT = 15.0

#: How to reach the API, not what it answers: left out of cache keys, so that changing the
#: concurrency or the endpoint of the same model never pays for the same work twice.
TRANSPORT_OPTIONS = frozenset({"base_url", "api_key", "max_concurrency", "timeout",
                               "max_retries", "backoff", "unreachable_after", "max_wait"})


def public_url(url: str | None) -> str | None:
    """The URL without user:password or query, fit for provenance."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def request_id(request: ChatRequest) -> str:
    """What makes two requests the same: their key, or their messages when they have none."""
    return request.key or content_key("messages", request.messages)


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
        self._gate = RateGate()
        self._loop: _LoopThread | None = None
        self._client: Any = None
        self._answered = 0  # replies received: while 0, a dead endpoint stops the run early
        self._first_refusal: float | None = None
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

    streams_results = True

    @property
    def endpoint(self) -> str | None:
        """The server to call, when it is not the provider's own."""
        return self.options.base_url

    @property
    def max_tokens(self) -> int:
        return self.options.max_tokens or self.options.max_new_tokens

    @property
    def where(self) -> str:
        """The endpoint as it may be shown: the base URL without credentials, or the provider."""
        return public_url(self.endpoint) or f"the {self.model_id.partition(':')[0]} API"

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
        if not self.api_model:
            raise MentalbenchError(f"model {self.model_id}: name a model, e.g. "
                                   f"{self.model_id.partition(':')[0]}:{self.default_model}")
        if self.endpoint and self.endpoint != self.options.base_url:
            check_url(self.endpoint, f"the base URL of {self.model_id} (from the environment)")

    def check_ready(self) -> None:
        remember(self.api_key())
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
                 top_logprobs: int = 0, on_result: OnResult | None = None) -> list[Completion]:
        """Complete every request concurrently (identical ones once); progress and on_result
        are called from the caller's thread as each finishes."""
        self.check()
        self.check_ready()
        ids = [request_id(r) for r in requests]
        unique = dict(zip(ids, requests, strict=True))
        positions: dict[str, list[int]] = collections.defaultdict(list)
        for i, rid in enumerate(ids):
            positions[rid].append(i)  # duplicates finish with their original
        if self._loop is None:
            self._loop = _LoopThread()
        updates: queue.SimpleQueue = queue.SimpleQueue()
        done = object()
        future = self._loop.submit(self._complete_all(unique, updates.put, top_logprobs))
        future.add_done_callback(lambda _: updates.put(done))
        try:
            while True:
                try:
                    item = updates.get(timeout=HEARTBEAT)
                except queue.Empty:  # nothing finished for a while: the reporter says so
                    if progress:
                        progress(0)
                    continue
                if item is done:
                    break
                rid, completion = item
                for i in positions[rid]:
                    if on_result:
                        on_result(i, completion)
                if progress:
                    progress(len(positions[rid]))
        except BaseException:
            future.cancel()  # Ctrl-C: stop the requests in flight
            raise
        results = future.result()
        return [results[i] for i in ids]

    def _check_reachable(self, failure: Failure, message: str, started: float) -> None:
        """Stop the run when no request has got through and connections keep failing or timing
        out; a timed-out attempt counts from when it started."""
        if self._answered or not _unreachable(failure):
            return
        now = time.monotonic()
        if self._first_refusal is None or started < self._first_refusal:
            self._first_refusal = started
        if now - self._first_refusal >= self.options.unreachable_after:
            raise FatalAPIError(f"{self.model_id}: cannot reach {self.where}: every request "
                                f"failed for {now - self._first_refusal:.0f}s ({message})")

    def close(self) -> None:
        if self._loop is not None:
            if self._client is not None:
                self._loop.submit(self.close_client(self._client)).result()
                self._client = None
            self._loop.close()
            self._loop = None

    async def _complete_all(self, unique: dict[str, ChatRequest],
                            report: Callable[[tuple[str, Completion]], None], top_logprobs: int
                            ) -> dict[str, Completion]:
        if self._client is None:
            # One client for the model's life: connections stay open from chunk to chunk.
            self._client = await self.open_client()
        slots = asyncio.Semaphore(self.options.max_concurrency)
        out: dict[str, Completion] = {}

        async def one(rid: str, request: ChatRequest) -> None:
            out[rid] = await self._complete(self._client, slots, request, top_logprobs)
            report((rid, out[rid]))
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
        remember(self.api_key())  # masked in every message below (secrets.mask_text's policy)
        attempt = 0
        while True:
            await self._gate.wait()
            async with slots:
                started = time.monotonic()
                try:
                    async with asyncio.timeout(o.timeout):
                        reply = await self.attempt(client, request, top_logprobs)
                    self._answered += 1
                    return reply
                except TimeoutError:
                    failure = Failure(f"timed out after {o.timeout:g}s", retry=True)
                except RecursionError:  # a reply nested too deep for the SDK's JSON reader
                    failure = Failure("a malformed reply (JSON nested too deep)", retry=True)
                except Exception as exc:  # classify() re-raises what it does not know
                    failure = self.classify(exc)
            message = mask_text(failure.message)
            if failure.fatal:
                raise FatalAPIError(f"{self.model_id} at {self.where}: {message}")
            self._check_reachable(failure, message, started)
            asked = failure.retry_after
            if asked is not None and not asked <= o.max_wait:  # inf and NaN too
                return Completion(text="", error=f"{self.model_id}: {message}; the server asked "
                                  f"to wait {asked:g}s, more than max_wait={o.max_wait:g}s: "
                                  "this request is stopped (raise max_wait to wait)")
            if not failure.retry or attempt >= o.max_retries:
                tries = f" (after {attempt + 1} attempts)" if failure.retry else ""
                return Completion(text="", error=f"{self.model_id}: {message}{tries}")
            delay = backoff_delay(attempt, o.backoff, failure.retry_after)
            if self._first_refusal is not None and not self._answered:
                # Try again no later than the deadline, so a dead endpoint is named on time.
                deadline = self._first_refusal + o.unreachable_after - time.monotonic()
                delay = min(delay, max(0.0, deadline) + 0.01)
            if failure.retry_after is not None:
                self._gate.pause(delay)  # the server asked everyone to slow down
            self.sleeps.append(delay)
            await asyncio.sleep(delay)
            attempt += 1


def _unreachable(failure: Failure) -> bool:
    """A failure that says nothing reached or came back: refused, reset, timed out, stalled."""
    return failure.message.startswith(("connection failed", "timed out", "the request timed out"))


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
