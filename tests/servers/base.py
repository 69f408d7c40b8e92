"""A threaded HTTP server on 127.0.0.1 with injectable latency and faults; it counts every call."""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Faults a plan may inject. HTTP statuses answer with that status and an error body;
#: "hang" never answers; "disconnect" closes the connection without a reply;
#: "truncated" sends half of a good JSON body; "missing" is a good reply whose verdict
#: leaves out most metrics (answers and repair replies are not affected); "empty" is a
#: reply withheld by the provider's content filter; "cut" a reply with no text left within
#: the token limit (a reasoning model that thought too long); "odd" a 200 reply of a shape the
#: protocol does not allow (content parts that are not text, a text that is a number).
FAULTS = ("429", "500", "503", "400", "401", "403", "404", "hang", "disconnect", "truncated",
          "missing", "empty", "cut", "odd")

Decide = Callable[[int, int, dict], "str | None"]


@dataclass
class Stats:
    """What the server saw: every call, its outcome, and good replies per distinct request."""

    calls: int = 0
    outcomes: Counter = field(default_factory=Counter)
    successes: Counter = field(default_factory=Counter)  # request body hash -> good replies
    seen: Counter = field(default_factory=Counter)  # request body hash -> calls
    auth: Counter = field(default_factory=Counter)  # credential header values
    paths: Counter = field(default_factory=Counter)
    bodies: list = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0


class FaultPlan:
    """Decides, for the n-th call and the k-th time this same request is seen, which fault."""

    def __init__(self, decide: Decide | None = None):
        self.decide = decide or (lambda n, k, body: None)

    @classmethod
    def sequence(cls, faults: Sequence[str | None]) -> FaultPlan:
        """The first calls get these faults in order; later calls succeed."""
        faults = list(faults)
        return cls(lambda n, k, body: faults[n] if n < len(faults) else None)

    @classmethod
    def first_attempts(cls, fault: str, times: int = 1) -> FaultPlan:
        """Every distinct request fails `times` times with `fault`, then succeeds."""
        return cls(lambda n, k, body: fault if k < times else None)

    @classmethod
    def always(cls, fault: str) -> FaultPlan:
        return cls(lambda n, k, body: fault)

    @classmethod
    def random(cls, rate: float, kinds: Sequence[str], seed: int = 0) -> FaultPlan:
        """Each call fails with probability `rate`, with a kind drawn from `kinds`."""
        rng = random.Random(seed)
        lock = threading.Lock()

        def decide(n, k, body):
            with lock:
                return rng.choice(list(kinds)) if rng.random() < rate else None
        return cls(decide)


class FakeServer:
    """Base of the protocol fakes: serve(), stop(), stats; subclasses speak one API."""

    #: Header that carries the credential in this protocol.
    auth_header = "authorization"

    def __init__(self, latency: float = 0.0, faults: FaultPlan | None = None,
                 retry_after: str = "0", hang_seconds: float = 60.0, model: str = "fake",
                 pairwise: str = "longer"):
        self.latency = latency
        self.faults = faults or FaultPlan()
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.model = model
        self.pairwise = pairwise  # how it decides between two answers (replies.pairwise_reply)
        self.stats = Stats()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    # -- protocol hooks -------------------------------------------------------------------
    def matches(self, path: str) -> bool:
        raise NotImplementedError

    def messages(self, body: dict) -> list[dict]:
        """The conversation in the request, as [{"role", "content"}]."""
        raise NotImplementedError

    def success(self, body: dict, text: str) -> dict:
        raise NotImplementedError

    def error(self, status: int) -> tuple[dict, dict]:
        """Error body and extra headers for an HTTP status."""
        raise NotImplementedError

    def empty(self, body: dict, cut: bool = False) -> dict:
        """A 200 reply without text: withheld by a filter, or cut at the token limit."""
        raise NotImplementedError

    def odd(self, body: dict) -> dict:
        """A 200 reply whose text is not where, or not what, the protocol says."""
        raise NotImplementedError

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else a 40 ms delayed-ACK stall on every reply

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                server._handle(self, self.rfile.read(length))

            def do_GET(self):  # noqa: N802
                if self.path.startswith("/_stats"):
                    server._send(self, 200, server.summary())
                else:
                    server._send(self, 404, {"error": {"message": "no such page"}})

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # many clients connect at once

        self._httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True,
                         name="fake-api-server").start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def summary(self) -> dict:
        """The counts as plain JSON (also served at GET /_stats, for servers in another process)."""
        with self._lock:
            st = self.stats
            return {"calls": st.calls, "outcomes": dict(st.outcomes),
                    "distinct_requests": len(st.seen),
                    "good_replies": sum(st.successes.values()),
                    "repeated_good_replies": sum(n - 1 for n in st.successes.values() if n > 1),
                    "peak_in_flight": st.peak_in_flight}

    def reset(self) -> None:
        """Forget the counts (the fault plan keeps its state)."""
        with self._lock:
            self.stats = Stats()

    # -- one request ------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        if not self.matches(h.path):
            return self._send(h, 404, {"error": {"message": f"no route {h.path}"}})
        body = json.loads(raw or b"{}")
        sig = hashlib.sha256(raw).hexdigest()
        with self._lock:
            n = self.stats.calls
            k = self.stats.seen[sig]
            self.stats.calls += 1
            self.stats.seen[sig] += 1
            self.stats.bodies.append(body)
            self.stats.auth[h.headers.get(self.auth_header, "")] += 1
            self.stats.paths[h.path] += 1
            self.stats.in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)
        fault = self.faults.decide(n, k, body)
        try:
            if self.latency:
                self._stopping.wait(self.latency)
            self._respond(h, body, fault, sig)
        finally:
            with self._lock:
                self.stats.in_flight -= 1

    def _respond(self, h: BaseHTTPRequestHandler, body: dict, fault: str | None, sig: str):
        from .replies import reply

        # Counted before replying, so a client never sees a reply the counts lack.
        with self._lock:
            self.stats.outcomes[fault or "ok"] += 1
            if fault in (None, "missing"):
                self.stats.successes[sig] += 1
        if fault == "hang":
            self._stopping.wait(self.hang_seconds)
            h.close_connection = True
        elif fault == "disconnect":
            h.close_connection = True
        elif fault and fault.isdigit():
            payload, headers = self.error(int(fault))
            self._send(h, int(fault), payload, headers)
        elif fault in ("empty", "cut"):
            self._send(h, 200, self.empty(body, cut=fault == "cut"))
        elif fault == "odd":
            self._send(h, 200, self.odd(body))
        else:
            text = reply(self.messages(body), partial=fault == "missing", pairwise=self.pairwise)
            data = json.dumps(self.success(body, text)).encode()
            self._send_bytes(h, 200, data[: len(data) // 2] if fault == "truncated" else data)

    def _send(self, h, status: int, payload: dict, headers: dict | None = None) -> None:
        self._send_bytes(h, status, json.dumps(payload).encode(), headers)

    def _send_bytes(self, h, status: int, data: bytes, headers: dict | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing to deliver


def wait_idle(server: FakeServer, seconds: float = 5.0) -> None:
    """Wait until no request is in flight (e.g. before reading final counts)."""
    end = time.time() + seconds
    while server.stats.in_flight and time.time() < end:
        time.sleep(0.01)
