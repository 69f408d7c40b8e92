"""Generation speed at 7B shape on one GPU: the hf backend against transformers' own paths.

A random-weight model of MistralConfig's default shape (vocabulary widened to the embedded
tokenizer's 49,152 tokens, so the bundled questions tokenize as in a real run) is saved once,
then loaded through the hf backend in bf16 and in NF4. For each, in one run: plain `generate`
on batches of 32 (the baseline); the hf backend (`engine=auto`) at batch 1, 32 and all prompts;
transformers' static cache + torch.compile and its continuous batching (`generate_batch`) at
batch 32 and all prompts. Greedy, fixed max_new_tokens. Prefill is timed apart where the path
allows it, and each row gives its decode rate against the decode-step memory-bandwidth bound
(weights plus KV cache read once per step, at the copy bandwidth measured in the run).

    python benchmarks/generation_gpu.py --tokenizer DIR [--tiny --device cpu]   # CPU dry run
    python benchmarks/generation_gpu.py --tokenizer DIR --check     # float32 greedy identity
    python benchmarks/generation_gpu.py --tokenizer DIR --dtypes bf16 --sampled hf,pick,plain

`--sampled` adds rows at the shipped sampling defaults (temperature 1, top_k 50, seed 0) with
--sampled-tokens new tokens (1,024, the default max_new_tokens): the hf backend and plain
`generate` at batch 32 and all prompts, and (`pick`) the decode-step time of the backend at
batch 32 greedy, sampled with the pick inside the captured graph, and sampled with it eager.
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

import generation_gpu_hf as paths  # noqa: E402
from generation import conversations  # noqa: E402

ARGS: argparse.Namespace
TINY = dict(hidden_size=256, intermediate_size=512, num_hidden_layers=4, num_attention_heads=8,
            num_key_value_heads=2)
START = time.perf_counter()


def say(*parts) -> None:
    print(f"[{time.perf_counter() - START:6.0f}s]", *parts, file=sys.stderr, flush=True)


def copy_bandwidth(device: str) -> float | None:
    """Bytes per second of a large device-to-device copy, counting bytes read and written."""
    import torch

    if not device.startswith("cuda"):
        return None
    a = torch.empty(1 << 30, dtype=torch.uint8, device=device)
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    paths.sync(device)
    start = time.perf_counter()
    for _ in range(20):
        b.copy_(a)
    paths.sync(device)
    rate = 2 * a.numel() * 20 / (time.perf_counter() - start)
    del a, b
    return rate


def build_model(folder: Path, tokenizer_dir: Path, tiny: bool, device: str,
                dtype: str = "bfloat16") -> None:
    """A random-weight Mistral of default shape (or tiny), saved with the tokenizer."""
    if (folder / "config.json").is_file():
        say(f"model: reusing {folder}")
        return
    import torch
    from transformers import AutoTokenizer, MistralConfig, MistralForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    # No sliding window (as Mistral 7B v0.2 and later): with one, transformers' static cache
    # guards compiled code on a Python int that changes every step, and compiles give up.
    cfg = MistralConfig(vocab_size=len(tok), bos_token_id=tok.bos_token_id,
                        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                        dtype=dtype, sliding_window=None, **(TINY if tiny else {}))
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


#: The shipped sampling defaults (mentalbench.models.options.GenerationOptions).
SAMPLED = dict(temperature=1.0, top_k=50, top_p=1.0, seed=0)
GREEDY = dict(temperature=0.0, top_k=50, top_p=1.0, seed=0)


def hf_model(folder: Path, four_bit: bool, batch: int, engine: str = "auto",
             max_new: int | None = None, dtype: str = "bfloat16", cuda_graphs: bool = True,
             sampling: dict = GREEDY):
    from mentalbench.backends.hf.model import HFModel, HFOptions

    opts = HFOptions(**sampling, max_new_tokens=max_new or ARGS.max_new_tokens,
                     load_in_4bit=four_bit, dtype=dtype, device=ARGS.device, batch_size=batch,
                     engine=engine, cuda_graphs=cuda_graphs)
    return HFModel(f"hf:{folder}", opts, target=str(folder))


def requests_for(convs):
    from mentalbench.records.base import ChatRequest

    return [ChatRequest(tuple(c)) for c in convs]


def run_backend(model, convs) -> dict:
    """The hf backend over convs: tokens, seconds, engine, and its own prefill/decode split."""
    paths.sync(ARGS.device)
    start = time.perf_counter()
    out = model.generate(requests_for(convs))
    paths.sync(ARGS.device)
    seconds = time.perf_counter() - start
    bad = [c.error for c in out if not c.ok]
    assert not bad, bad[0]
    r = {"tokens": sum(c.usage.completion_tokens for c in out), "seconds": seconds,
         "engine": out[0].engine or "?", "texts": [c.text for c in out]}
    if model._static is not None and model._static.timings:
        r["prefill_s"] = sum(t.prefill_s for t in model._static.timings)
        model._static.timings.clear()
    return r


def run_plain(loaded, convs, batch: int, max_new: int,
              sampling: dict = GREEDY) -> tuple[int, float]:
    """Plain transformers `generate` on left-padded batches in question order: the baseline."""
    import torch

    from mentalbench.backends.hf import engine as hf_engine

    tok, model = loaded.tokenizer, loaded.model
    if sampling["temperature"] > 0:
        picks = dict(do_sample=True, temperature=sampling["temperature"],
                     top_k=sampling["top_k"], top_p=sampling["top_p"])
        torch.manual_seed(sampling["seed"])
    else:
        picks = dict(do_sample=False, temperature=None, top_k=None, top_p=None)
    tokens = 0
    paths.sync(ARGS.device)
    start = time.perf_counter()
    for i in range(0, len(convs), batch):
        prompts = [hf_engine.render(loaded, c) for c in convs[i:i + batch]]
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(loaded.device) for k, v in enc.items()}
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max_new, pad_token_id=tok.pad_token_id,
                                 **picks)
        width = enc["input_ids"].shape[1]
        done = hf_engine.completions(loaded, [r[width:].tolist() for r in out],
                                     enc["attention_mask"].sum(-1).tolist())
        tokens += sum(c.usage.completion_tokens for c in done)
    paths.sync(ARGS.device)
    return tokens, time.perf_counter() - start


class Rows:
    """Result rows of one dtype, each with its decode rate against the bandwidth bound."""

    def __init__(self, label, weight_bytes, kv_per_token, avg_context, bandwidth, out):
        self.label, self.weight_bytes, self.kv = label, weight_bytes, kv_per_token
        self.avg_context, self.bandwidth, self.out = avg_context, bandwidth, out
        self.base = None

    def add(self, name, batch, prompts, tokens, seconds, prefill_s=None, **extra) -> dict:
        rows = min(batch, prompts)
        r = {"backend": f"{name} {self.label} b{batch}", "dtype": self.label, "batch": batch,
             "prompts": prompts, "tokens": tokens, "seconds": round(seconds, 2),
             "tokens_per_s": round(tokens / seconds, 1), **extra}
        if prefill_s is not None:
            r["prefill_s"] = round(prefill_s, 2)
            r["decode_tokens_per_s"] = round((tokens - prompts) / (seconds - prefill_s), 1)
        if self.bandwidth:
            step_bytes = self.weight_bytes + rows * self.avg_context * self.kv
            b = rows * self.bandwidth / step_bytes
            r["bound_tokens_per_s"] = round(b, 1)
            r["fraction_of_bound"] = round(r.get("decode_tokens_per_s", r["tokens_per_s"]) / b, 3)
        if self.base:
            r["vs_plain_b32"] = round(r["tokens_per_s"] / self.base["tokens_per_s"], 2)
        say(f"  {r['backend']}: {tokens} tokens in {seconds:.1f} s = {r['tokens_per_s']} tok/s"
            + (f", prefill {prefill_s:.2f} s" if prefill_s is not None else ""))
        self.out.append(r)
        save()
        return r

    def skip(self, name, batch, why: str) -> None:
        say(f"  {name} {self.label} b{batch}: skipped ({why})")
        self.out.append({"backend": f"{name} {self.label} b{batch}", "dtype": self.label,
                         "batch": batch, "skipped": why})
        save()


REPORT: dict = {"results": []}


def save() -> None:
    """Write the report so far: a run cut short still leaves its finished rows."""
    ARGS.out.write_text(json.dumps(REPORT, indent=1))


def time_left() -> float:
    return ARGS.budget - (time.perf_counter() - START)


def measure_dtype(folder: Path, four_bit: bool, convs, bandwidth, lens, out: list) -> None:
    import torch

    label, n = ("nf4" if four_bit else "bf16"), len(convs)
    new = ARGS.max_new_tokens
    keep = hf_model(folder, four_bit, 32)  # holds the shared weights for every row below
    loaded = keep.loaded()
    cfg = loaded.model.config
    kv = 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * (cfg.hidden_size // cfg.num_attention_heads) * 2
    rows = Rows(label, loaded.model.get_memory_footprint(), kv,
                sum(lens) / len(lens) + new / 2, bandwidth, out)
    say(f"{label}: weights {rows.weight_bytes / 1e9:.2f} GB, KV {kv} B/token")
    warm = hf_model(folder, four_bit, 2, max_new=8)
    run_backend(warm, convs[:2])
    warm.close()
    run_plain(loaded, convs[:2], 2, 8)

    plain_n = min(n, ARGS.plain_prompts)
    tokens, seconds = run_plain(loaded, convs[:plain_n], 32, new)
    rows.base = rows.add("plain-generate", 32, plain_n, tokens, seconds)
    for batch in (1, 32, n):
        prompts = min(n, ARGS.single_prompts) if batch == 1 else n
        model = hf_model(folder, four_bit, batch)
        r = run_backend(model, convs[:prompts])
        rows.add("hf-backend", batch, prompts, r["tokens"], r["seconds"], r.get("prefill_s"),
                 engine=r["engine"])
        model.close()
    if ARGS.profile:
        for batch in ((32, n) if not four_bit else (32,)):
            def make(max_new, cuda_graphs, batch=batch):
                return hf_model(folder, four_bit, batch, max_new=max_new, cuda_graphs=cuda_graphs)
            prof = paths.profile_decode(make, requests_for(convs[:batch]))
            say(f"  profile {label} b{batch}: {json.dumps(prof)}")
            out.append({"profile": f"hf-backend {label} b{batch}", **prof})
            save()
    cache_len = -(-(max(lens) + new) // 64) * 64
    compiled = not four_bit  # transformers does not compile bnb 4-bit models (is_compileable)
    name = "hf-static+compile" if compiled else "hf-static (bnb: no compile)"
    for batch in (32, n) if "compile" in ARGS.paths else ():
        prompts = n - n % batch if batch < n else n
        if not compiled and batch < n:
            prompts = min(prompts, ARGS.plain_prompts)
        if time_left() < ARGS.reserve:
            rows.skip(name, batch, "time budget")
            continue
        try:
            start = time.perf_counter()
            paths.static_generate(loaded, convs[:batch], batch, 4, compiled, cache_len)
            compile_s = time.perf_counter() - start
            _, prefill_s, _ = paths.static_generate(loaded, convs[:prompts], batch, 1, False,
                                                    cache_len)
            tokens, seconds, _ = paths.static_generate(loaded, convs[:prompts], batch, new,
                                                       compiled, cache_len)
        except Exception as exc:  # noqa: BLE001 - record why, keep the other rows
            rows.skip(name, batch, f"{type(exc).__name__}: {exc}"[:300])
            continue
        rows.add(name, batch, prompts, tokens, seconds, prefill_s,
                 **({"compile_s": round(compile_s, 1)} if compiled else {}))
    for batch in (32, n) if "cb" in ARGS.paths else ():
        if time_left() < ARGS.reserve:
            rows.skip("generate_batch", batch, "time budget")
            continue
        prompts = n if batch == n else min(n, ARGS.cb_prompts)
        try:
            tokens, seconds = paths.continuous_batching(loaded, convs[:prompts], batch, new)
        except Exception as exc:  # noqa: BLE001 - record why, keep the other rows
            rows.skip("generate_batch", batch, f"{type(exc).__name__}: {exc}"[:300])
            continue
        rows.add("generate_batch", batch, prompts, tokens, seconds)
    if ARGS.device.startswith("cuda"):
        for r in out:
            if r.get("dtype") == label:
                r.setdefault("peak_gib", round(torch.cuda.max_memory_allocated() / 2**30, 1))
    keep.close()
    del loaded
    gc.collect()
    if ARGS.device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def step_ms(model, convs) -> tuple[float, str]:
    """Milliseconds per decode step of the backend's static engine over convs (prefill apart)."""
    model.generate(requests_for(convs))
    timings, model._static.timings[:] = list(model._static.timings), []
    steps = sum(t.steps - 1 for t in timings)
    return 1000 * sum(t.decode_s for t in timings) / steps, model._engine_name(
        model._static.generate)


def measure_sampled(folder: Path, convs, bandwidth, lens, out: list) -> None:
    """bf16 rows at the shipped sampling defaults and --sampled-tokens new tokens."""
    import torch

    from mentalbench.backends.hf import static as hf_static

    parts = ARGS.sampled.split(",")
    n, new = len(convs), ARGS.sampled_tokens
    keep = hf_model(folder, False, 32, max_new=new, sampling=SAMPLED)
    loaded = keep.loaded()
    cfg = loaded.model.config
    kv = 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * (cfg.hidden_size // cfg.num_attention_heads) * 2
    rows = Rows(f"bf16 sampled {new}", loaded.model.get_memory_footprint(), kv,
                sum(lens) / len(lens) + new / 2, bandwidth, out)
    warm = hf_model(folder, False, 2, max_new=8, sampling=SAMPLED)
    run_backend(warm, convs[:2])
    warm.close()
    if "pick" in parts:
        b = min(n, 32)
        result = {"pick": f"decode step ms, bf16 b{b}, {new} new tokens"}
        for name, sampling, in_graph in (("greedy", GREEDY, True),
                                         ("sampled, pick in graph", SAMPLED, True),
                                         ("sampled, pick eager", SAMPLED, False)):
            hf_static.SAMPLE_IN_GRAPH = in_graph
            model = hf_model(folder, False, b, max_new=new, sampling=sampling)
            ms, engine = step_ms(model, convs[:b])
            model.close()
            result[name] = round(ms, 3)
            say(f"  step {name}: {ms:.3f} ms ({engine})")
        hf_static.SAMPLE_IN_GRAPH = True
        result["eager_pick_share"] = round(
            1 - result["sampled, pick in graph"] / result["sampled, pick eager"], 3)
        out.append(result)
        save()
    if "plain" in parts:
        plain_n = min(n, ARGS.plain_prompts)
        tokens, seconds = run_plain(loaded, convs[:plain_n], 32, new, SAMPLED)
        rows.base = rows.add("plain-generate", 32, plain_n, tokens, seconds)
        if time_left() > ARGS.reserve:
            tokens, seconds = run_plain(loaded, convs, n, new, SAMPLED)
            rows.add("plain-generate", n, n, tokens, seconds)
        else:
            rows.skip("plain-generate", n, "time budget")
    if "hf" in parts:
        for batch in (32, n):
            model = hf_model(folder, False, batch, max_new=new, sampling=SAMPLED)
            r = run_backend(model, convs)
            rows.add("hf-backend", batch, n, r["tokens"], r["seconds"], r.get("prefill_s"),
                     engine=r["engine"])
            model.close()
    if ARGS.device.startswith("cuda"):
        for r in out:
            if r.get("dtype") == rows.label:
                r.setdefault("peak_gib", round(torch.cuda.max_memory_allocated() / 2**30, 1))
    keep.close()
    del loaded
    gc.collect()


def check_identity(work: Path, convs) -> dict:
    """Greedy answers of the static engine (CUDA graphs on a GPU) against plain `generate` over
    the same batches, in float32 where rounding cannot decide a near-tie: batch 32 (one
    attention group) and all prompts at once (length groups)."""
    folder = work / "tiny-fp32"
    build_model(folder, ARGS.tokenizer, True, ARGS.device, dtype="float32")
    result = {}
    for batch in (32, len(convs)):
        texts, engines = {}, {}
        for engine in ("generate", "static"):
            model = hf_model(folder, False, batch, engine=engine, max_new=32, dtype="float32")
            r = run_backend(model, convs)
            texts[engine], engines[engine] = r["texts"], r["engine"]
            model.close()
        same = sum(a == b for a, b in zip(texts["generate"], texts["static"], strict=True))
        result[f"b{batch}"] = (f"{same}/{len(convs)} answers equal, {engines['static']} vs "
                               f"{engines['generate']} (float32, 32 new tokens)")
        print(f"identity check b{batch}: {result[f'b{batch}']}")
    return result


def main() -> None:
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokenizer", type=Path, required=True, help="folder with the tokenizer")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tiny", action="store_true", help="a tiny config, for a CPU dry run")
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--single-prompts", type=int, default=4, help="prompts run at batch 1")
    ap.add_argument("--plain-prompts", type=int, default=32, help="prompts for the baseline")
    ap.add_argument("--cb-prompts", type=int, default=64, help="prompts for generate_batch b32")
    ap.add_argument("--dtypes", default="bf16,nf4")
    ap.add_argument("--paths", default="compile,cb",
                    help="transformers' paths to time besides the backend: compile, cb")
    ap.add_argument("--profile", action="store_true", help="also profile the decode step")
    ap.add_argument("--check", action="store_true", help="also the float32 identity check")
    ap.add_argument("--budget", type=float, default=540, help="seconds; later slow rows skip")
    ap.add_argument("--reserve", type=float, default=60, help="seconds kept for the rest")
    ap.add_argument("--sampled", default="", help="sampled rows: any of hf,pick,plain")
    ap.add_argument("--sampled-tokens", type=int, default=1024)
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
    report = REPORT
    report.update({"machine": card, "torch": torch.__version__, "copy_bandwidth_tb_s":
                   bandwidth and round(bandwidth / 1e12, 2), "max_new_tokens": ARGS.max_new_tokens,
                   "command": " ".join(sys.argv)})
    try:
        if ARGS.check:
            report["identity_check"] = check_identity(work, convs)
            save()
        build_model(folder, ARGS.tokenizer, ARGS.tiny, ARGS.device)
        from transformers import AutoTokenizer, __version__

        tok = AutoTokenizer.from_pretrained(folder)
        lens = [len(tok.apply_chat_template(c, add_generation_prompt=True, tokenize=True,
                                            return_dict=True)["input_ids"]) for c in convs]
        say(f"{len(convs)} prompts, {min(lens)}-{max(lens)} tokens (mean {sum(lens) / len(lens):.0f})")
        report.update(transformers=__version__, prompts=len(convs),
                      prompt_tokens_mean=round(sum(lens) / len(lens)))
        for label in filter(None, ARGS.dtypes.split(",")):
            measure_dtype(folder, label == "nf4", convs, bandwidth, lens, report["results"])
        if ARGS.sampled:
            report["sampled_tokens"] = ARGS.sampled_tokens
            measure_sampled(folder, convs, bandwidth, lens, report["results"])
    finally:
        save()
        if ARGS.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    keys = ("tokens_per_s", "prefill_s", "decode_tokens_per_s", "fraction_of_bound",
            "vs_plain_b32", "compile_s", "engine", "skipped")
    for r in report["results"]:
        if "pick" in r:
            print(json.dumps(r))
        if "backend" in r:
            print(f"{r['backend']:<38} " + " ".join(f"{k}={r[k]}" for k in keys if k in r))


if __name__ == "__main__":
    main()
