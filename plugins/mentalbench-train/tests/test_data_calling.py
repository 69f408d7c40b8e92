"""calling.ask goes through mentalbench's one ask-and-store loop: a backend that streams results
has each reply stored the moment it arrives, and stored replies are never asked for again."""

from __future__ import annotations

import pytest
from mentalbench_train.data.calling import ask
from mentalbench_train.data.state import State

from mentalbench.api import Completion, GenerationOptions, Model, Usage


class StreamingDouble(Model):
    """Streams results like an API backend; stops (as a kill would) after `stop_after` replies."""

    streams_results = True
    asked: list[str] = []

    def __init__(self, stop_after: int | None = None):
        super().__init__("streaming-double", GenerationOptions())
        self.stop_after = stop_after

    def generate(self, requests, progress=None, on_result=None, **kwargs):
        assert on_result is not None, "a streaming backend must be handed on_result"
        out = []
        for i, r in enumerate(requests):
            if self.stop_after is not None and i == self.stop_after:
                raise KeyboardInterrupt
            StreamingDouble.asked.append(r.key)
            c = Completion(text=f"reply {r.key}", usage=Usage(3, 2), finish_reason="stop")
            on_result(i, c)
            out.append(c)
        return out


def _requests(n):
    return [(f"k{i}", ({"role": "user", "content": f"q{i}"},)) for i in range(n)]


def test_a_streaming_backend_has_each_reply_stored_as_it_arrives(tmp_path):
    state = State(tmp_path / "out.jsonl")
    StreamingDouble.asked.clear()
    with pytest.raises(KeyboardInterrupt):
        ask(StreamingDouble(stop_after=2), state, "synth", _requests(4))
    assert set(state.calls(["k0", "k1", "k2", "k3"])) == {"k0", "k1"}  # nothing lost
    StreamingDouble.asked.clear()
    replies = ask(StreamingDouble(), state, "synth", _requests(4))
    assert StreamingDouble.asked == ["k2", "k3"]  # what was stored is not asked again
    assert [replies[f"k{i}"].cached for i in range(4)] == [True, True, False, False]
    assert replies["k3"].text == "reply k3"
