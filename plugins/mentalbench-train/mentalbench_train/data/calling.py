"""Asking the model: cached replies first, the rest in chunks, each chunk stored as it lands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mentalbench.api import ChatRequest, Completion, Model, Usage, ask_and_store

from .state import State


@dataclass(frozen=True)
class Reply:
    """The model's reply to one request, or why there is none."""

    text: str = ""
    finish: str = ""
    usage: Usage = Usage()
    cached: bool = False
    error: str | None = None


def ask(model: Model, state: State, stage: str,
        requests: Sequence[tuple[str, tuple[dict[str, str], ...]]],
        advance: Callable[[int], None] = lambda n: None) -> dict[str, Reply]:
    """Replies by key. Stored replies are reused; failures are recorded and retried next run.

    The rest go through mentalbench's one ask-and-store loop: streamed where the backend streams
    results, else `model.chunk_size` at a time, and each reply is stored the moment it lands,
    so an interruption loses only the requests in flight.
    """
    stored = state.calls(k for k, _ in requests)
    out = {k: Reply(text, finish, usage, cached=True)
           for k, (text, finish, usage) in stored.items()}
    advance(len(out))
    pending = [ChatRequest(m, k) for k, m in requests if k not in out]

    def keep(request: ChatRequest, c: Completion) -> None:
        out[request.key] = Reply(c.text, c.finish_reason, c.usage)
        state.put_calls(stage, [(request.key, c.text, c.finish_reason, c.usage)])

    def fail(request: ChatRequest, c: Completion) -> None:
        out[request.key] = Reply(error=c.error or "unknown error", usage=c.usage)
        state.put_failure(request.key, stage, c.error or "unknown error")

    ask_and_store(model, pending, keep, fail, progress=advance)
    return out
