"""transformers' own fast paths and a kernel profile, for benchmarks/generation_gpu.py.

- static cache + torch.compile: `generate(cache_implementation="static")` with one cache length
  for every batch and `CompileConfig(dynamic=False)` (compiled decode step, CUDA graphs through
  inductor's reduce-overhead mode); compile time is measured apart, on a warm-up call.
- continuous batching: `generate_batch`, at most `batch` requests in flight.
- a profile of the hf backend's decode step: kernel time by kind, from two eager runs
  (graphs off) that differ only in the number of decode steps.
"""

from __future__ import annotations

import time
from collections.abc import Sequence


def sync(device) -> None:
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _prompts(loaded, convs) -> tuple[list[str], list[int]]:
    from mentalbench.backends.hf import engine as hf_engine

    prompts = [hf_engine.render(loaded, c) for c in convs]
    lens = [len(loaded.tokenizer(p, add_special_tokens=False).input_ids) for p in prompts]
    return prompts, lens


def static_generate(loaded, convs, batch: int, max_new: int, compiled: bool,
                    cache_len: int) -> tuple[int, float, list[list[int]]]:
    """transformers' `generate` with a static cache of `cache_len` (compiled or not), on batches
    of `batch` prompts in length order; (tokens, seconds, rows)."""
    import torch
    from transformers import GenerationConfig
    from transformers.generation import CompileConfig

    from mentalbench.backends.hf import engine as hf_engine

    tok, model = loaded.tokenizer, loaded.model
    prompts, lens = _prompts(loaded, convs)
    order = sorted(range(len(prompts)), key=lambda i: lens[i])
    config = GenerationConfig(
        max_new_tokens=max_new, do_sample=False, cache_implementation="static",
        max_cache_len=cache_len, pad_token_id=tok.pad_token_id,
        eos_token_id=model.generation_config.eos_token_id,
        compile_config=CompileConfig(dynamic=False) if compiled else None,
        disable_compile=not compiled)
    tokens, rows = 0, []
    sync(loaded.device)
    start = time.perf_counter()
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        enc = tok([prompts[j] for j in idx], return_tensors="pt", padding=True,
                  add_special_tokens=False).to(loaded.device)
        with torch.inference_mode():
            out = model.generate(**enc, generation_config=config)
        width = enc["input_ids"].shape[1]
        done = hf_engine.completions(loaded, [r[width:].tolist() for r in out],
                                     enc["attention_mask"].sum(-1).tolist())
        tokens += sum(c.usage.completion_tokens for c in done)
        rows += [r[width:].tolist() for r in out]
    sync(loaded.device)
    return tokens, time.perf_counter() - start, rows


def continuous_batching(loaded, convs, batch: int, max_new: int) -> tuple[int, float]:
    """transformers' `generate_batch` with at most `batch` requests per step; (tokens, seconds)."""
    from transformers import GenerationConfig
    from transformers.generation import ContinuousBatchingConfig

    from mentalbench.backends.hf import engine as hf_engine

    tok, model = loaded.tokenizer, loaded.model
    prompts, lens = _prompts(loaded, convs)
    inputs = [tok(p, add_special_tokens=False).input_ids for p in prompts]
    config = GenerationConfig(max_new_tokens=max_new, do_sample=False,
                              pad_token_id=tok.pad_token_id,
                              eos_token_id=model.generation_config.eos_token_id)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    sync(loaded.device)
    start = time.perf_counter()
    try:
        out = base.generate_batch(
            inputs, generation_config=config, progress_bar=False,
            continuous_batching_config=ContinuousBatchingConfig(max_requests_per_batch=batch))
        sync(loaded.device)
        seconds = time.perf_counter() - start
    finally:
        base.set_attn_implementation("sdpa")  # generate_batch switched it to paged|sdpa
    results = list(out.values())
    if len(results) != len(inputs) or any(r.error for r in results):
        raise RuntimeError(f"generate_batch returned {len(results)} of {len(inputs)} results")
    done = hf_engine.completions(loaded, [r.generated_tokens for r in results], lens)
    return sum(c.usage.completion_tokens for c in done), seconds


KINDS = (
    ("attention", ("fmha", "attention", "flash", "efficient", "sdpa")),
    ("gemm", ("gemm", "cutlass", "nvjet", "sm90_", "cublas", "gemv", "kgemm")),
    ("dequantize (bnb)", ("dequant", "kdequant")),
    ("cache/index writes", ("index", "scatter")),
    ("copies/cat", ("copy", "cat", "memcpy", "memset")),
    ("reductions (norm, argmax)", ("reduce", "norm", "argmax", "max", "softmax")),
    ("elementwise", ("elementwise", "vectorized", "unrolled", "pointwise")),
)


def kind_of(name: str) -> str:
    low = name.lower()
    return next((kind for kind, keys in KINDS if any(k in low for k in keys)), "other")


def _kernel_times(prof, cuda: bool) -> dict[str, float]:
    """Device time (ms) per kernel name in a finished torch.profiler run (op CPU time on CPU)."""
    out: dict[str, float] = {}
    for ev in prof.key_averages():
        if cuda:
            us = getattr(ev, "self_device_time_total", None)
            if us is None:
                us = getattr(ev, "self_cuda_time_total", 0)
            if "CUDA" not in str(getattr(ev, "device_type", "")):
                continue
        else:
            us = ev.self_cpu_time_total
        if us:
            out[ev.key] = out.get(ev.key, 0.0) + us / 1000
    return out


def profile_decode(make_model, requests: Sequence, steps: int = 16) -> dict:
    """Per decode step: kernel ms by kind (eager runs of 1 and 1 + steps new tokens, differenced),
    the graph-replayed step's wall ms, and the top kernels."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    cuda = torch.cuda.is_available()
    times = {}
    for new in (1, 1 + steps):
        model = make_model(max_new=new, cuda_graphs=False)
        model.generate(requests)  # warm
        sync("cuda" if cuda else "cpu")
        with profile(activities=[ProfilerActivity.CUDA if cuda else ProfilerActivity.CPU]) as prof:
            model.generate(requests)
            sync("cuda" if cuda else "cpu")
        times[new] = _kernel_times(prof, cuda)
        model.close()
    per_kernel = {k: (times[1 + steps].get(k, 0.0) - times[1].get(k, 0.0)) / steps
                  for k in times[1 + steps]}
    by_kind: dict[str, float] = {}
    for name, ms in per_kernel.items():
        by_kind[kind_of(name)] = by_kind.get(kind_of(name), 0.0) + ms
    graphed = make_model(max_new=1 + steps, cuda_graphs=True)
    graphed.generate(requests)  # capture
    graphed._static.timings.clear()
    graphed.generate(requests)
    t = graphed._static.timings[-1]
    graphed.close()
    kernels = sum(by_kind.values())
    top = sorted(per_kernel.items(), key=lambda kv: -kv[1])[:12]
    return {"batch": len(requests), "kernel_ms_per_step": round(kernels, 3),
            "graph_step_ms": round(t.decode_s / (t.steps - 1) * 1000, 3),
            "prefill_ms": round(t.prefill_s * 1000, 1),
            "by_kind_ms": {k: round(v, 3) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])},
            "top_kernels_ms": [[name[:90], round(ms, 4)] for name, ms in top]}
