"""Generation speed at 7B shape on one GPU: the hf backend against plain batch-32 `generate`.

A random-weight model of MistralConfig's default shape (vocabulary widened to the embedded
tokenizer's 49,152 tokens, so the bundled questions tokenize as in a real run) is saved once,
then loaded through the hf backend in bf16 and in NF4. For each: plain `generate` on batches
of 32 (the baseline), and the backend at batch sizes 1, 32 and all prompts; greedy, fixed
max_new_tokens. Each row also gives the memory-bandwidth bound of its decode steps (weights plus
KV cache read once per step, at the copy bandwidth measured here) and the fraction reached.

    python benchmarks/generation_gpu.py --tokenizer DIR [--tiny --device cpu]   # CPU dry run
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generation import conversations, table  # noqa: E402

ARGS: argparse.Namespace
TINY = dict(hidden_size=256, intermediate_size=512, num_hidden_layers=4, num_attention_heads=8,
            num_key_value_heads=2)


def say(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def copy_bandwidth(device: str) -> float | None:
    """Bytes per second of a large device-to-device copy, counting bytes read and written."""
    import torch

    if not device.startswith("cuda"):
        return None
    a = torch.empty(1 << 30, dtype=torch.uint8, device=device)
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    sync(device)
    start = time.perf_counter()
    for _ in range(20):
        b.copy_(a)
    sync(device)
    rate = 2 * a.numel() * 20 / (time.perf_counter() - start)
    del a, b
    return rate


def build_model(folder: Path, tokenizer_dir: Path, tiny: bool, device: str,
                dtype: str = "bfloat16") -> None:
    """A random-weight Mistral of default shape (or tiny), saved with the tokenizer."""
    import torch
    from transformers import AutoTokenizer, MistralConfig, MistralForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    cfg = MistralConfig(vocab_size=len(tok), bos_token_id=tok.bos_token_id,
                        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                        dtype=dtype, **(TINY if tiny else {}))
    torch.manual_seed(0)
    with torch.device(device):
        torch.set_default_dtype(getattr(torch, dtype))
        model = MistralForCausalLM(cfg)
        torch.set_default_dtype(torch.float32)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    say(f"model: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters -> {folder}")
    del model
    gc.collect()


def hf_model(folder: Path, four_bit: bool, device: str, batch: int, engine: str = "auto",
             max_new: int | None = None, dtype: str = "bfloat16"):
    from mentalbench.backends.hf import HFModel, HFOptions

    opts = HFOptions(temperature=0, max_new_tokens=max_new or ARGS.max_new_tokens,
                     load_in_4bit=four_bit,
                     dtype=dtype, device=device, batch_size=batch, engine=engine)
    return HFModel(f"hf:{folder}", opts, target=str(folder))


def run_backend(model, convs) -> tuple[int, float, list[str], str]:
    from mentalbench.records import ChatRequest

    requests = [ChatRequest(tuple(c)) for c in convs]
    sync(ARGS.device)
    start = time.perf_counter()
    out = model.generate(requests)
    sync(ARGS.device)
    seconds = time.perf_counter() - start
    bad = [c.error for c in out if not c.ok]
    assert not bad, bad[0]
    return (sum(c.usage.completion_tokens for c in out), seconds, [c.text for c in out],
            out[0].engine or "?")


def run_plain(loaded, convs, batch: int, max_new: int | None = None) -> tuple[int, float, list[str]]:
    """Plain transformers `generate` on left-padded batches in question order: the baseline."""
    import torch

    from mentalbench.backends import hf_engine

    tok, model = loaded.tokenizer, loaded.model
    texts, tokens = [], 0
    sync(ARGS.device)
    start = time.perf_counter()
    for i in range(0, len(convs), batch):
        prompts = [hf_engine.render(loaded, c) for c in convs[i:i + batch]]
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(loaded.device) for k, v in enc.items()}
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max_new or ARGS.max_new_tokens, do_sample=False,
                                 temperature=None, top_k=None, top_p=None,
                                 pad_token_id=tok.pad_token_id)
        width = enc["input_ids"].shape[1]
        done = hf_engine.completions(loaded, [r[width:].tolist() for r in out],
                                     enc["attention_mask"].sum(-1).tolist())
        texts += [c.text for c in done]
        tokens += sum(c.usage.completion_tokens for c in done)
    sync(ARGS.device)
    return tokens, time.perf_counter() - start, texts


def bound(weight_bytes: int, kv_per_token: int, batch: int, avg_context: float,
          bandwidth: float | None) -> float | None:
    """Decode tokens/s if every step only read the weights and each row's KV cache once."""
    if not bandwidth:
        return None
    step_bytes = weight_bytes + batch * avg_context * kv_per_token
    return batch * bandwidth / step_bytes


def measure_dtype(folder: Path, four_bit: bool, convs, bandwidth, prompt_lens) -> list[dict]:
    import torch

    label = "nf4" if four_bit else "bf16"
    dev = ARGS.device
    rows: list[dict] = []
    n = len(convs)
    model = hf_model(folder, four_bit, dev, 32)
    loaded = model.loaded()
    cfg = loaded.model.config
    weight_bytes = loaded.model.get_memory_footprint()
    kv_per_token = (2 * cfg.num_hidden_layers * cfg.num_key_value_heads
                    * (cfg.hidden_size // cfg.num_attention_heads) * 2)
    avg_context = sum(prompt_lens) / len(prompt_lens) + ARGS.max_new_tokens / 2
    say(f"{label}: weights {weight_bytes / 1e9:.2f} GB, KV {kv_per_token} B/token")

    def row(name, batch, prompts, tokens, seconds, **extra):
        b = bound(weight_bytes, kv_per_token, min(batch, prompts), avg_context, bandwidth)
        r = {"backend": f"{name} {label} b{batch}", "dtype": label, "batch": batch,
             "prompts": prompts, "tokens": tokens, "seconds": round(seconds, 2),
             "tokens_per_s": round(tokens / seconds, 1), **extra}
        if b:
            r["bound_tokens_per_s"] = round(b, 1)
            r["fraction_of_bound"] = round(tokens / seconds / b, 3)
        say(f"  {r['backend']}: {tokens} tokens in {seconds:.1f} s = {r['tokens_per_s']} tok/s")
        rows.append(r)
        return r

    # Warm-up (kernel selection, allocator, a first graph capture) before any clock runs.
    warm = hf_model(folder, four_bit, dev, 2, max_new=8)
    warm._loaded = loaded
    run_backend(warm, convs[:2])
    warm.close()
    run_plain(loaded, convs[:2], 2, max_new=8)

    plain_n = min(n, ARGS.plain_prompts)
    tokens, seconds, plain_texts = run_plain(loaded, convs[:plain_n], 32)
    base = row("plain-generate", 32, plain_n, tokens, seconds)
    for batch in ARGS.batches:
        batch = batch or n
        prompts = min(n, ARGS.single_prompts) if batch == 1 else n
        model = hf_model(folder, four_bit, dev, batch)
        model._loaded = loaded  # same weights; a new engine per batch size
        tokens, seconds, texts, engine = run_backend(model, convs[:prompts])
        same = sum(a == b for a, b in zip(texts, plain_texts, strict=False))
        r = row("hf-backend", batch, prompts, tokens, seconds, engine=engine,
                same_text_as_plain=f"{same}/{min(prompts, plain_n)}")
        r["vs_plain_b32"] = round(r["tokens_per_s"] / base["tokens_per_s"], 2)
        model.close()
    if not four_bit and ARGS.generate_row:  # how much of the gain is batching alone: plain generate, all at once
        model = hf_model(folder, four_bit, dev, n, engine="generate")
        model._loaded = loaded
        tokens, seconds, _, engine = run_backend(model, convs)
        r = row("hf-backend", n, n, tokens, seconds, engine=engine)
        r["backend"] += " (engine=generate)"
        r["vs_plain_b32"] = round(r["tokens_per_s"] / base["tokens_per_s"], 2)
    if dev.startswith("cuda"):
        for r in rows:
            r.setdefault("peak_gib", round(torch.cuda.max_memory_allocated() / 2**30, 1))
    del loaded, model
    gc.collect()
    if dev.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    return rows


def check_identity(work: Path, convs) -> None:
    """Greedy answers of the static engine (CUDA graphs on a GPU) against plain `generate`
    over the same batches, in float32, where rounding cannot decide a near-tie."""
    folder = work / "tiny-fp32"
    build_model(folder, ARGS.tokenizer, True, ARGS.device, dtype="float32")
    texts, engines = {}, {}
    for engine in ("generate", "static"):
        model = hf_model(folder, False, ARGS.device, 32, engine=engine, max_new=32, dtype="float32")
        _, _, texts[engine], engines[engine] = run_backend(model, convs)
        model.close()
    same = sum(a == b for a, b in zip(texts["generate"], texts["static"], strict=True))
    print(f"identity check: {same}/{len(convs)} answers equal, {engines['static']} vs "
          f"{engines['generate']} (float32, 32 new tokens)")


def main() -> None:
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokenizer", type=Path, required=True, help="folder with the tokenizer")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tiny", action="store_true", help="a tiny config, for a CPU dry run")
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--batches", type=int, nargs="*", default=[1, 32, 0], help="0 = all prompts")
    ap.add_argument("--single-prompts", type=int, default=4, help="prompts run at batch 1")
    ap.add_argument("--plain-prompts", type=int, default=64, help="prompts for the baseline")
    ap.add_argument("--dtypes", default="bf16,nf4")
    ap.add_argument("--check", action="store_true", help="only the float32 identity check")
    ap.add_argument("--generate-row", action=argparse.BooleanOptionalAction, default=True,
                    help="also run the backend with engine=generate on all prompts (bf16)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=Path("generation-gpu.json"))
    ARGS = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    convs = conversations(ARGS.limit)
    card = torch.cuda.get_device_name() if ARGS.device.startswith("cuda") else "cpu"
    bandwidth = copy_bandwidth(ARGS.device)
    shown = f"{bandwidth / 1e12:.2f} TB/s" if bandwidth else "not measured"
    say(f"card: {card}; copy bandwidth {shown}; torch {torch.__version__}")
    shm = Path("/dev/shm")  # RAM-backed: saving and loading 15 GB of weights takes seconds
    roomy = shm.is_dir() and shutil.disk_usage(shm).free > 40e9
    work = ARGS.workdir or Path(tempfile.mkdtemp(dir=shm if roomy else None))
    folder = work / "mistral-7b-shape"
    try:
        if ARGS.check:
            check_identity(work, convs)
            return
        build_model(folder, ARGS.tokenizer, ARGS.tiny, ARGS.device)
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(folder)
        lens = [len(tok.apply_chat_template(c, add_generation_prompt=True, tokenize=True,
                                            return_dict=True)["input_ids"]) for c in convs]
        say(f"{len(convs)} prompts, {min(lens)}-{max(lens)} tokens (mean {sum(lens) / len(lens):.0f})")
        rows = []
        for label in ARGS.dtypes.split(","):
            rows += measure_dtype(folder, label == "nf4", convs, bandwidth, lens)
            ARGS.out.write_text(json.dumps(_report(card, bandwidth, convs, lens, rows), indent=1))
    finally:
        if ARGS.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(rows))
    for r in rows:
        extra = [f"{k}={r[k]}" for k in ("vs_plain_b32", "fraction_of_bound", "engine",
                                         "same_text_as_plain", "peak_gib") if k in r]
        print(f"{r['backend']:<40} {' '.join(extra)}")


def _report(card, bandwidth, convs, lens, rows) -> dict:
    import torch
    import transformers

    return {"machine": card, "torch": torch.__version__, "transformers": transformers.__version__,
            "copy_bandwidth_tb_s": bandwidth and round(bandwidth / 1e12, 2),
            "max_new_tokens": ARGS.max_new_tokens, "prompts": len(convs),
            "prompt_tokens_mean": round(sum(lens) / len(lens)), "results": rows}


if __name__ == "__main__":
    main()
