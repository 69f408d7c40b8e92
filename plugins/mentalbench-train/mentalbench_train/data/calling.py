"""Asking the model: cached replies first, the rest in chunks, each chunk stored as it lands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mentalbench.models import Model
from mentalbench.records import ChatRequest, Usage

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

    Requests go to the model `model.chunk_size` at a time: an API backend runs a chunk
    concurrently, a local engine batches it, and an interruption loses one chunk at most.
    """
    stored = state.calls(k for k, _ in requests)
    out = {k: Reply(text, finish, usage, cached=True)
           for k, (text, finish, usage) in stored.items()}
    advance(len(out))
    pending = [(k, m) for k, m in requests if k not in out]
    chunk = max(1, int(model.chunk_size))
    for start in range(0, len(pending), chunk):
        part = pending[start:start + chunk]
        completions = model.generate([ChatRequest(m, k) for k, m in part], progress=advance)
        good = []
        for (key, _), c in zip(part, completions, strict=True):
            if c.ok:
                out[key] = Reply(c.text, c.finish_reason, c.usage)
                good.append((key, c.text, c.finish_reason, c.usage))
            else:
                out[key] = Reply(error=c.error or "unknown error", usage=c.usage)
                state.put_failure(key, stage, out[key].error or "")
        state.put_calls(stage, good)
    return out
