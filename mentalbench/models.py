"""The model interface every backend implements, for answering and for judging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from .options import GenerationOptions, options_dict
from .records import ChatRequest, Completion

Progress = Callable[[int], None]

DEFAULT_SYSTEM_PROMPT = (
    "You are a caring and empathetic assistant for mental-health counseling. Read the person's "
    "description of their situation closely and answer their questions in a way that is "
    "helpful, thorough and appropriate."
)


class Model:
    """A chat model: takes a batch of conversations, returns one Completion per conversation.

    Backends set `options_class` to a frozen dataclass extending GenerationOptions and
    implement `generate`. Failures of single requests come back as Completion.error.
    """

    options_class: ClassVar[type[GenerationOptions]] = GenerationOptions
    supports_choice_scores: ClassVar[bool] = False
    #: How many requests the runner hands over at once (local engines batch inside it).
    chunk_size: ClassVar[int] = 8

    def __init__(self, model_id: str, options: GenerationOptions, target: str | None = None):
        self.model_id = model_id
        self.options = options
        self.target = target

    def check(self) -> None:
        """Raise a MentalbenchError now if this model cannot run (missing extra, missing file)."""

    def generate(self, requests: Sequence[ChatRequest],
                 progress: Progress | None = None) -> list[Completion]:
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
        """What decides this model's outputs, known without loading it: part of cache keys."""
        return {"model": self.model_id, "options": options_dict(self.options),
                "system_prompt": self.system_prompt()}

    def provenance(self) -> dict[str, Any]:
        """What produced an answer: model id, options and anything that changes the output."""
        return {"model": self.model_id, "options": options_dict(self.options)}

    def system_prompt(self) -> str:
        return self.options.system_prompt or DEFAULT_SYSTEM_PROMPT

    def close(self) -> None:
        """Release memory or connections; the model may not be used afterwards."""
