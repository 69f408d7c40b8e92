"""Answer-generation speed on this machine: mentalbench's backends against the plain ways.

Rows: `hf` (the transformers backend), `hf-naive` (one prompt at a time through plain
`generate`, as FastChat answers), `vllm` (the vLLM backend) and `vllm-raw` (`LLM.chat`
with no mentalbench code). Every row answers the same bundled questions, greedy, with the
same max_new_tokens, on the embedded model. The hf rows need .venv, the vllm rows
.venv-vllm, so `make bench-generation` runs this script once in each (`--part`) and then
merges the parts (`--merge`) into benchmarks/results/generation-cpu.json.

Each row runs `--repeat` times, alternating with its partner, and keeps the fastest run:
on a shared machine the slowest runs measure the neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from machine_info import machine

RESULTS = Path(__file__).resolve().parent / "results"


def conversations(limit: int | None) -> list[list[dict[str, str]]]:
    """The bundled questions as chat conversations under the default system prompt."""
    from mentalbench.inputs.questions import load_questions
    from mentalbench.inputs.resources import question_file
    from mentalbench.models.base import DEFAULT_SYSTEM_PROMPT

    questions = list(load_questions(question_file("mentalbench-200.jsonl")).questions)[:limit]
    return [[{"role": "system", "content": DEFAULT_SYSTEM_PROMPT},
             {"role": "user", "content": q.text}] for q in questions]


def table(rows: list[dict]) -> str:
    """A plain-text table of result rows, with each row's speed relative to the first."""
    head = f"{'backend':<22}{'prompts':>8}{'tokens':>9}{'seconds':>10}{'tok/s':>10}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['backend']:<22}{r['prompts']:>8}{r.get('tokens', 0):>9}"
                     f"{r['seconds']:>10.1f}{r['tokens_per_s']:>10.1f}")
    return "\n".join(lines)


def _row(backend: str, prompts: int, tokens: int, seconds: float, **extra) -> dict:
    return {"backend": backend, "tokens_per_s": round(tokens / seconds, 2),
            "seconds": round(seconds, 2), "prompts": prompts, "tokens": tokens, **extra}


# --- the runners: each returns (tokens generated, seconds) for one pass over the prompts ---

def hf_backend(convs, max_new: int, batch_size: int):
    """The transformers backend, loaded before the clock starts."""
    from mentalbench.plugins.registry import get_registry
    from mentalbench.records.base import ChatRequest

    model = get_registry().get_model("smollm2", {
        "temperature": "0", "max_new_tokens": str(max_new), "batch_size": str(batch_size)})
    model.loaded()
    requests = [ChatRequest(tuple(c)) for c in convs]

    def run():
        start = time.perf_counter()
        out = model.generate(requests)
        return sum(c.usage.completion_tokens for c in out), time.perf_counter() - start
    return run


def hf_naive(convs, max_new: int):
    """One conversation at a time through plain `generate`: no padding, no batching."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mentalbench.backends.embedded import ensure_smollm2

    folder = ensure_smollm2()
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()

    def run():
        start, tokens = time.perf_counter(), 0
        for conv in convs:
            ids = tok.apply_chat_template(conv, add_generation_prompt=True, return_tensors="pt",
                                          return_dict=True)
            with torch.inference_mode():
                out = model.generate(**ids, max_new_tokens=max_new, do_sample=False,
                                     temperature=None, top_k=None, top_p=None,
                                     pad_token_id=tok.eos_token_id)
            tokens += out.shape[1] - ids["input_ids"].shape[1]
        return tokens, time.perf_counter() - start
    return run


def vllm_backend(convs, max_new: int):
    """The vLLM backend, engine started before the clock starts."""
    from mentalbench.backends.embedded import ensure_smollm2
    from mentalbench.plugins.registry import get_registry
    from mentalbench.records.base import ChatRequest

    model = get_registry().get_model(f"vllm:{ensure_smollm2()}", {
        "temperature": "0", "max_new_tokens": str(max_new), "enforce_eager": "true"})
    model.engine()
    requests = [ChatRequest(tuple(c)) for c in convs]

    def run():
        start = time.perf_counter()
        out = model.generate(requests)
        return sum(c.usage.completion_tokens for c in out), time.perf_counter() - start
    return run


def vllm_raw(convs, max_new: int):
    """vLLM's own `LLM.chat`, configured as the backend configures it, no mentalbench code."""
    from vllm import LLM, SamplingParams

    from mentalbench.backends.embedded import ensure_smollm2

    llm = LLM(str(ensure_smollm2()), enforce_eager=True, seed=0)
    params = SamplingParams(temperature=0, max_tokens=max_new)

    def run():
        start = time.perf_counter()
        out = llm.chat(convs, params, use_tqdm=False)
        return sum(len(o.outputs[0].token_ids) for o in out), time.perf_counter() - start
    return run


def measure(names: list[str], convs, max_new: int, repeat: int, batch_size: int) -> list[dict]:
    """Set every runner up, then run them in turn `repeat` times; keep each one's fastest pass."""
    makers = {"hf": lambda: hf_backend(convs, max_new, batch_size),
              "hf-naive": lambda: hf_naive(convs, max_new),
              "vllm": lambda: vllm_backend(convs, max_new),
              "vllm-raw": lambda: vllm_raw(convs, max_new)}
    runners = {n: makers[n]() for n in names}
    best: dict[str, tuple[int, float]] = {}
    for _ in range(repeat):
        for name, run in runners.items():
            tokens, seconds = run()
            print(f"  {name}: {tokens} tokens in {seconds:.1f} s", file=sys.stderr, flush=True)
            if name not in best or seconds < best[name][1]:
                best[name] = (tokens, seconds)
    return [_row(n, len(convs), *best[n], max_new_tokens=max_new) for n in names]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="hf,hf-naive")
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--limit", type=int, default=None, help="first N bundled questions")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=0, help="hf backend batch_size option")
    ap.add_argument("--part", type=Path, help="write these rows here (to merge later)")
    ap.add_argument("--merge", type=Path, nargs="*", help="parts to merge into --out")
    ap.add_argument("--out", type=Path, default=RESULTS / "generation-cpu.json")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.merge:
        rows = [r for p in args.merge for r in json.loads(p.read_text())]
    else:
        rows = measure(args.backends.split(","), conversations(args.limit),
                       args.max_new_tokens, args.repeat, args.batch_size)
    if args.part:
        args.part.parent.mkdir(parents=True, exist_ok=True)
        args.part.write_text(json.dumps(rows, indent=1))
        print(table(rows))
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine(), "results": rows}, indent=1) + "\n")
    print(table(rows))
    speed = {r["backend"]: r["tokens_per_s"] for r in rows}
    if {"hf", "hf-naive"} <= speed.keys():
        print(f"hf / hf-naive = {speed['hf'] / speed['hf-naive']:.2f}x")
    if {"vllm", "vllm-raw"} <= speed.keys():
        print(f"vllm / vllm-raw = {speed['vllm'] / speed['vllm-raw']:.1%}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
