"""The model interface every backend implements, for answering and for judging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..records.base import ChatRequest, Completion
from .options import GenerationOptions, options_dict

Progress = Callable[[int], None]
#: Called with (index into the requests, its completion) as each request finishes.
OnResult = Callable[[int, Completion], None]

DEFAULT_SYSTEM_PROMPT = (
    "You are a caring and empathetic assistant for mental-health counseling. Read the person's "
    "description of their situation closely and answer their questions in a way that is "
    "helpful, thorough and appropriate."
)


class Model:
    """A chat model: takes a batch of conversations, returns one Completion per conversation.

    Backends set `options_class` to a frozen dataclass extending GenerationOptions, declare what
    they can do in the class attributes below, and implement `generate`. Failures of single
    requests come back as Completion.error, never as exceptions.
    """

    options_class: ClassVar[type[GenerationOptions]] = GenerationOptions
    #: score_choices works: the model can read next-token probabilities in-process.
    supports_choice_scores: ClassVar[bool] = False
    #: generate(..., top_logprobs=N) returns Completion.logprobs (an API judge in logprobs mode).
    supports_top_logprobs: ClassVar[bool] = False
    #: generate(..., on_result=f) calls f(i, completion) as each request finishes, so the runner
    #: can store it at once; models without it are handed `chunk_size` requests at a time.
    streams_results: ClassVar[bool] = False
    #: How many requests the runner hands over at once (local engines batch inside it).
    chunk_size: ClassVar[int] = 8

    def __init__(self, model_id: str, options: GenerationOptions, target: str | None = None):
        self.model_id = model_id
        self.options = options
        self.target = target

    def check(self) -> None:
        """Raise a MentalbenchError now if this model cannot run (missing extra, bad option)."""

    def check_ready(self) -> None:
        """Raise a MentalbenchError if a real call would fail at once (e.g. no API key).

        Called before the first call of a run, not for a dry run.
        """

    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None,
                 **kwargs: Any) -> list[Completion]:
        """Complete each conversation; call progress(n) as n more are done."""
        raise NotImplementedError

    def score_choices(self, messages: Sequence[dict[str, str]], prefixes: Sequence[str],
                      choices: Sequence[str]) -> list[dict[str, float]]:
        """For each assistant-text prefix, the probability of each choice coming next."""
        raise NotImplementedError(f"{self.model_id} cannot read next-token probabilities")

    def score_choices_batch(self, conversations: Sequence[Sequence[dict[str, str]]],
                            prefixes: Sequence[str],
                            choices: Sequence[str]) -> list[list[dict[str, float]]]:
        """`score_choices` for many conversations; backends that can batch them override this."""
        return [self.score_choices(m, prefixes, choices) for m in conversations]

    def identity(self) -> dict[str, Any]:
        """What decides this model's outputs, known without loading it: the cache key.

        Answers are stored under a hash of the question and this dict: two runs whose models
        have equal identities share answers, and any change here makes new ones. A plugin whose
        model changes behaviour without a change of id or options (new weights, new data) must
        put that change in here, e.g. {"model": ..., "options": ..., "weights": "<hash>"}.
        """
        return {"model": self.model_id, "options": options_dict(self.options),
                "system_prompt": self.system_prompt()}

    def provenance(self) -> dict[str, Any]:
        """What produced an answer: model id, options and anything that changes the output."""
        return {"model": self.model_id, "options": options_dict(self.options)}

    def label(self) -> str:
        """The name answers get in leaderboards unless --name says otherwise."""
        return self.model_id

    @property
    def priced_as(self) -> str | None:
        """The price-table name of a paid API model ("openai:gpt-4o"); None when local."""
        return None

    @property
    def max_tokens(self) -> int:
        """The most tokens one reply may have."""
        return self.options.max_new_tokens

    def system_prompt(self) -> str:
        return self.options.system_prompt or DEFAULT_SYSTEM_PROMPT

    def close(self) -> None:
        """Release memory or connections; the model may not be used afterwards."""


def adapter_label(model_id: str, adapter: str | None, fingerprint: str | None) -> str:
    """`model+adapter@hash8`: the label of a model run with a LoRA adapter."""
    if not adapter:
        return model_id
    suffix = f"@{fingerprint[:8]}" if fingerprint else ""
    return f"{model_id}+{Path(adapter).name}{suffix}"


def complete_all(model: Model, requests: Sequence[ChatRequest], progress: Progress | None,
                 on_result: OnResult, **kwargs: Any) -> list[Completion]:
    """Every request's completion, each handed to on_result as soon as the model gives it."""
    if model.streams_results:
        return model.generate(requests, progress, on_result=on_result, **kwargs)
    out: list[Completion] = []
    size = max(1, model.chunk_size)
    for start in range(0, len(requests), size):  # a chunk is all a kill can lose
        done = model.generate(requests[start:start + size], progress, **kwargs)
        for i, completion in enumerate(done):
            on_result(start + i, completion)
        out += done
    return out


def ask_and_store(model: Model, requests: Sequence[ChatRequest],
                  keep: Callable[[ChatRequest, Completion], None],
                  fail: Callable[[ChatRequest, Completion], None], *,
                  progress: Progress | None = None, **kwargs: Any) -> None:
    """The one ask-and-store loop: every request goes to the model (streamed where the backend
    streams results, else a chunk at a time), and each completion is handed on the moment it
    arrives, a good one to keep() (which stores it), a failed one to fail(), so that a kill
    loses only the requests in flight. Callers leave out what they already hold."""
    if not requests:
        return

    def done(i: int, completion: Completion) -> None:
        (keep if completion.ok else fail)(requests[i], completion)

    complete_all(model, requests, progress, done, **kwargs)


def require_model_source(target: str, model_id: str) -> None:
    """Refuse a local model path that does not exist (a hub id is `org/name`, not a path)."""
    from ..errors import InputError

    path = Path(target).expanduser()
    if path.exists():
        return
    looks_local = (target.startswith((".", "/", "~")) or "\\" in target
                   or target.count("/") > 1)
    if looks_local:
        raise InputError(f"model {model_id}: no such folder {target} (a local model is a folder "
                         "holding config.json; a hub model is named org/name)")

