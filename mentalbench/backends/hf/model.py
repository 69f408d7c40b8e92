"""The Hugging Face transformers backend: `hf:<folder or hub id>`, bf16/fp32 or 4-bit NF4, LoRA."""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InputError, require
from ...models.adapters import require_adapter_dir
from ...models.base import Model, Progress, adapter_label, require_model_source
from ...models.options import GenerationOptions
from ...plugins.hookspecs import hookimpl
from ...records.base import ChatRequest, Completion


@dataclass(frozen=True)
class HFOptions(GenerationOptions):
    """Options of the transformers backend."""

    dtype: str = "auto"
    load_in_4bit: bool = False
    adapter: str | None = None
    merge_adapter: bool = False
    batch_size: int = 0
    device: str = "auto"
    engine: str = "auto"
    cuda_graphs: bool = True
    repetition_penalty: float = 1.0


ENGINES = ("auto", "static", "generate")


class HFModel(Model):
    """A causal LM run in-process with transformers; batches by prompt length, left padded."""

    options_class = HFOptions
    supports_choice_scores = True

    def __init__(self, model_id: str, options: HFOptions, target: str | None = None):
        super().__init__(model_id, options, target)
        self._loaded = None
        self._weights_key = None
        self._static = None
        self._fallbacks: set[str] = set()

    # Subclasses (the embedded model, gguf files) override where the weights come from.
    def source(self) -> tuple[str, str | None]:
        """The folder or hub id to load, and the gguf file name inside it (if any)."""
        return self.target or "", None

    @property
    def chunk_size(self) -> int:  # type: ignore[override]
        return self.batch_size() * 4

    def batch_size(self) -> int:
        """Prompts decoded together: the option, or 8 on a CPU and 64 on a GPU (0 = auto)."""
        if self.options.batch_size:
            return self.options.batch_size
        if self.options.device == "cpu":
            return 8
        import torch

        return 64 if torch.cuda.is_available() else 8

    def check(self) -> None:
        require("torch", "hf", f"model {self.model_id}")
        require("transformers", "hf", f"model {self.model_id}")
        if self.target and type(self).source is HFModel.source:  # gguf files check their own
            require_model_source(self.target, self.model_id)
        if self.options.load_in_4bit:
            require("bitsandbytes", "hf", f"load_in_4bit for {self.model_id}")
        if self.options.adapter:
            require("peft", "hf", f"adapter for {self.model_id}")
            require_adapter_dir(self.options.adapter, f"option adapter={self.options.adapter!r}")
        if self.options.batch_size < 0:
            raise InputError(f"option batch_size={self.options.batch_size}: expected >= 1, "
                             "or 0 for automatic")
        if not self.options.repetition_penalty > 0:
            raise InputError(f"option repetition_penalty={self.options.repetition_penalty}: "
                             "expected a number > 0 (1 = none)")
        if self.options.engine not in ENGINES:
            raise InputError(f"option engine={self.options.engine!r}: expected one of "
                             f"{', '.join(ENGINES)}")

    def weights_key(self):
        """What identifies this model's loaded weights; models with equal keys share them."""
        from .engine import WeightsKey, local_identity

        src, gguf = self.source()
        o = self.options
        weights = Path(src) / gguf if gguf else Path(src)
        return WeightsKey(src, gguf, o.dtype, o.load_in_4bit, o.adapter, o.merge_adapter, o.device,
                          tuple(sorted(local_identity(weights, o.adapter).items())))

    def loaded(self):
        """The tokenizer and model, loaded on first use (or shared with a model of equal weights)."""
        if self._loaded is None:
            from . import engine as hf_engine

            self.check()
            key = self.weights_key()
            o = self.options
            self._loaded = hf_engine.acquire(key, lambda: hf_engine.load(
                key.source, gguf_file=key.gguf_file, dtype=o.dtype, load_in_4bit=o.load_in_4bit,
                adapter=o.adapter, merge_adapter=o.merge_adapter, device=o.device))
            self._weights_key = key
        return self._loaded

    def generate(self, requests: Sequence[ChatRequest],
                 progress: Progress | None = None) -> list[Completion]:
        from . import engine as hf_engine

        loaded = self.loaded()
        prompts = [hf_engine.render(loaded, r.messages) for r in requests]
        lengths = [len(loaded.tokenizer(p, add_special_tokens=False).input_ids) for p in prompts]
        # Batching prompts of similar length keeps left padding (wasted compute) small.
        order = sorted(range(len(prompts)), key=lambda i: lengths[i])
        results: list[Completion | None] = [None] * len(prompts)
        o = self.options
        size = self.batch_size()
        for start in range(0, len(order), size):
            idx = order[start:start + size]
            decode = self._decoder(max(lengths[i] for i in idx) + o.max_new_tokens)
            outs = decode([prompts[i] for i in idx], max_new_tokens=o.max_new_tokens,
                          temperature=o.temperature, top_k=o.top_k, top_p=o.top_p, seed=o.seed)
            engine = self._engine_name(decode)
            for i, c in zip(idx, outs, strict=True):
                results[i] = dataclasses.replace(c, engine=engine)
            if progress:
                progress(len(idx))
        return results  # type: ignore[return-value]

    def _decoder(self, max_len: int):
        """The decoding call for a batch whose longest sequence is max_len tokens."""
        from . import engine as hf_engine
        from . import static as hf_static

        loaded = self.loaded()
        penalty = self.options.repetition_penalty
        # The static engine has no logits processors: a penalty needs transformers' generate.
        engine = self.options.engine
        if engine == "generate" or (penalty != 1.0 and engine == "auto"):
            return functools.partial(hf_engine.generate, loaded, repetition_penalty=penalty)
        if penalty != 1.0:
            raise InputError(f"option engine=static for {self.model_id}: not possible with "
                             f"repetition_penalty={penalty}")
        reason = hf_static.unsupported(loaded.model, max_len)
        if reason and self.options.engine == "static":
            raise InputError(f"option engine=static for {self.model_id}: not possible with {reason}")
        if reason:  # auto: transformers' generate handles what the static engine cannot
            if reason not in self._fallbacks:
                self._fallbacks.add(reason)
                print(fallback_line(self.model_id, reason), file=sys.stderr)
            return functools.partial(hf_engine.generate, loaded)
        if self._static is None:
            self._static = hf_static.StaticEngine(loaded, use_graphs=self.options.cuda_graphs)
        return self._static.generate

    def resolved_engine(self) -> str:
        """The engine this install and these options decode with, known without loading.

        Part of identity(): answers of two engines (which sample differently) never pool. A
        model whose config rules the static engine out (a sliding window, another attention
        implementation) still names it here; each answer's meta records the engine that ran.
        """
        from . import releases as hf_releases

        o = self.options
        if o.engine == "generate" or (o.repetition_penalty != 1.0 and o.engine == "auto"):
            return "generate"
        if o.engine == "auto" and hf_releases.version_unsupported(hf_releases.installed_version()):
            return "generate"
        import torch

        on_gpu = o.device.startswith("cuda") or (o.device == "auto" and torch.cuda.is_available())
        return "static+graphs" if on_gpu and o.cuda_graphs else "static"

    def _engine_name(self, decode) -> str:
        """Which engine ran a batch, for each answer's provenance."""
        static = self._static
        if static is None or decode != static.generate:
            return "generate"
        return "static+graphs" if static.graphs_active() else "static"

    def score_choices(self, messages, prefixes, choices):
        from . import choices as hf_scoring
        from . import engine as hf_engine

        loaded = self.loaded()
        return hf_scoring.score_choices(loaded, hf_engine.render(loaded, messages), prefixes,
                                        choices)

    def score_choices_batch(self, conversations, prefixes, choices):
        from . import choices as hf_scoring
        from . import engine as hf_engine

        loaded = self.loaded()
        return hf_scoring.score_choices_batch(
            loaded, [hf_engine.render(loaded, m) for m in conversations], prefixes, choices)

    def label(self) -> str:
        return adapter_label(self.model_id, self.options.adapter, self.identity().get("adapter"))

    def identity(self) -> dict[str, Any]:
        from .engine import local_identity

        src, gguf = self.source()
        weights = Path(src) / gguf if gguf else Path(src)
        return {**super().identity(), "engine": self.resolved_engine(),
                **local_identity(weights, self.options.adapter)}

    def provenance(self) -> dict[str, Any]:
        import hashlib

        loaded = self.loaded()
        return {**self.identity(), "weights": loaded.fingerprint,
                "adapter_hash": loaded.adapter_hash,
                "chat_template": hashlib.sha256(loaded.chat_template.encode()).hexdigest()[:16]}

    def close(self) -> None:
        if self._weights_key is not None:
            from .engine import release

            release(self._weights_key)
        self._loaded = self._static = self._weights_key = None


def fallback_line(model_id: str, reason: str) -> str:
    """The one line `engine=auto` prints when it falls back to transformers' generate."""
    from . import releases as hf_releases

    line = (f"mentalbench: {model_id} decodes with transformers' generate, not the static "
            f"engine ({reason})")
    if reason.startswith("transformers "):
        line += (f"; on a GPU plain generate measured 10-26x slower (benchmarks/RESULTS.md). To get the "
                 f"static engine back: pip install '{hf_releases.supported_range()}'")
    return line


@hookimpl
def register_models(register):
    register("hf", HFModel, prefix=True,
             description="transformers model from a local folder or hub id (hf:<dir or id>)")
