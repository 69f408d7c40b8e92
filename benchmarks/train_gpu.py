"""QLoRA training speed and memory on a 7B-shaped random-weight Mistral: padded vs padding-free.

Each mode trains the same LoRA r64 all-linear model (MentalGPT's Table 3 settings: NF4 + double
quant, bf16 compute, gradient checkpointing, paged AdamW 32-bit, clip 0.3) on the SAME batches of
8 examples drawn from one length mix, so non-padding tokens per step are equal and tokens/s
compare as ratios:

- padded-1024: every batch padded to 1024 tokens (the baseline named in issue 6);
- padded-longest: padded to the longest example of the batch (the usual dynamic padding);
- padding-free: mentalbench-train's collator and segment attention (no padding, no attention
  across examples), the same 8 examples per step;
- packed[:N]: `--packing`: examples binned (best fit decreasing) into N slots (default 8) of
  <= 1024 tokens per step, then laid out as padding-free; more examples per step, a ceiling of
  N x 1024 tokens;
- padding-free-worst: one batch of 8 x 1024-token examples, the memory ceiling of both.

The padding-free modes run the training step the plugin runs: trl's fused LM head (the output
layer and loss only at answer positions, as SFTTrainer computes them) when trl provides it, and
one variable-length flash call per layer. Suffixes switch a part back to compare:
`+loop` (one attention call per example), `+fullhead` (logits at every position, the model's own
loss), `+upcast` (the frozen norms and embeddings in float32, peft's k-bit default, which the
padded baselines keep); `+liger` adds Liger's fused RMSNorm / SwiGLU / RoPE kernels.

    python benchmarks/train_gpu.py                    # one GPU, 7B shape
    accelerate launch --multi_gpu --num_processes 2 benchmarks/train_gpu.py --modes padding-free
    python benchmarks/train_gpu.py --tiny             # CPU smoke test of the same code
    python benchmarks/train_gpu.py --modes packed:10 --profile   # where one step's time goes

Prints a table; --json writes the figures (default benchmarks/results/train_gpu.json).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins" / "mentalbench-train")]

from train_gpu_setup import build, length_mix, make_examples, padded, set_attention, variant  # noqa: E402

MODES = ("padded-1024", "padded-longest", "padding-free", "packed", "padding-free-worst")
def step(model, opt, batch, device, max_norm: float, fused: bool) -> float:
    import torch

    batch = {k: v.to(device) if hasattr(v, "to") else v for k, v in batch.items()}
    if fused:
        batch["fused_lm_head"] = True
    with torch.autocast(device.type, dtype=torch.bfloat16):
        loss = model(**batch).loss
    loss.backward()
    params = [p for g in opt.param_groups for p in g["params"]]
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return float(loss)


def contamination(model, device, vocab: int) -> dict:
    """Max |logit| difference: each example alone vs inside a padding-free row (and naive concat)."""
    import torch
    from mentalbench_train.batching import ATTENTION, PaddingFreeCollator

    g = torch.Generator().manual_seed(1)
    seqs = [torch.randint(3, vocab, (n,), generator=g).tolist() for n in (37, 81, 23)]
    model.eval()
    set_attention(model, ATTENTION)
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16):
        alone = torch.cat([model(input_ids=torch.tensor([s], device=device)).logits[0].float()
                           for s in seqs])
        row = PaddingFreeCollator()([{"input_ids": s, "labels": s} for s in seqs])
        row = {k: v.to(device) if hasattr(v, "to") else v for k, v in row.items()
               if k != "labels"}
        packed = model(**row).logits[0].float()
        naive = model(input_ids=row["input_ids"]).logits[0].float()
    model.train()
    scale = float(alone.abs().max())
    return {"max_abs_diff_padding_free": float((packed - alone).abs().max()),
            "max_abs_diff_naive_concat": float((naive - alone).abs().max()),
            "max_abs_logit": scale}


def measure(model, opt, batches, warmup: int, device, settings, dist, fused: bool,
            profile: Path | None = None) -> dict:
    """Time the steps after `warmup`; tokens/s over non-padding tokens, peak memory over all."""
    import torch

    on_gpu = device.type == "cuda"
    if on_gpu:
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    times, tokens, computed, losses, examples = [], 0, 0, [], 0
    for i, (batch, real, count) in enumerate(batches):
        if on_gpu:
            torch.cuda.synchronize()
        if dist:
            dist.barrier()
        t0 = time.perf_counter()
        if profile and i == warmup - 1:  # a warm-up step: profiling slows it
            losses.append(profiled_step(model, opt, batch, device, settings, fused, profile))
        else:
            losses.append(step(model, opt, batch, device, settings.max_grad_norm, fused))
        if on_gpu:
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
            tokens += real
            examples += count
            computed += batch["input_ids"].numel()
    elapsed = sum(times)
    if dist:
        import torch.distributed as D

        t = torch.tensor([elapsed, tokens, computed], dtype=torch.float64, device=device)
        mx = t.clone()
        D.all_reduce(t, op=D.ReduceOp.SUM)
        D.all_reduce(mx, op=D.ReduceOp.MAX)
        elapsed, tokens, computed = float(mx[0]), int(t[1]), int(t[2])
    gib = 1024 ** 3
    return {
        "steps_timed": len(times), "seconds_per_step": elapsed / max(1, len(times)),
        "examples_per_step": examples / max(1, len(times)),
        "median_step_s": statistics.median(times) if times else None,
        "nonpad_tokens_per_s": tokens / elapsed if elapsed else None,
        "computed_tokens_per_s": computed / elapsed if elapsed else None,
        "nonpad_share": tokens / computed if computed else None,
        "peak_allocated_gib": torch.cuda.max_memory_allocated() / gib if on_gpu else None,
        "peak_reserved_gib": torch.cuda.max_memory_reserved() / gib if on_gpu else None,
        "first_loss": losses[0], "last_loss": losses[-1],
    }


def profiled_step(model, opt, batch, device, settings, fused: bool, out: Path) -> float:
    """One step under torch.profiler: the kernels that took the most device time, to `out`."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        loss = step(model, opt, batch, device, settings.max_grad_norm, fused)
    key = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
    table = prof.key_averages().table(sort_by=key, row_limit=40, max_name_column_width=70)
    out.write_text(table)
    print(table[:6000])
    return loss


def split_mode(mode: str) -> tuple[str, set[str]]:
    """'packed:10+loop+fullhead' -> ('packed:10', {'loop', 'fullhead'})."""
    name, *flags = mode.split("+")
    unknown = set(flags) - {"loop", "fullhead", "liger", "upcast"}
    if unknown:
        raise SystemExit(f"--modes {mode!r}: unknown suffix {sorted(unknown)}; "
                         "use +loop, +fullhead, +liger, +upcast")
    return name, set(flags)


def batches_for(mode: str, examples: list[dict], batch: int, steps: int, width: int, rank: int,
                world: int):
    from mentalbench_train.batching import PaddingFreeCollator, pack

    collate = PaddingFreeCollator()
    if mode.startswith("packed"):
        slots = int(mode.partition(":")[2] or batch)
        bins = pack(examples, width)
        random.Random(1).shuffle(bins)
        groups = [bins[(s * world + rank) * slots:(s * world + rank + 1) * slots]
                  for s in range(steps)]
    elif mode == "padding-free-worst":
        ids = [t for r in examples for t in r["input_ids"]][:width]
        row = {"input_ids": ids, "labels": [-100] * (width // 2) + ids[width // 2:]}
        groups = [[row] * batch] * 3
    else:
        groups = [examples[(s * world + rank) * batch:(s * world + rank + 1) * batch]
                  for s in range(steps)]
    for g in groups:
        real = sum(len(r["input_ids"]) for r in g)
        count = sum(len(r.get("seq_lengths") or [1]) for r in g)
        if mode == "padded-1024":
            yield padded(g, width), real, count
        elif mode == "padded-longest":
            yield padded(g, None), real, count
        else:
            yield collate(g), real, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="tiny model on the CPU (smoke test)")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--steps", type=int, default=10, help="steps per mode, warm-up included")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--label", default=None, help="name of this run in the JSON")
    ap.add_argument("--profile", action="store_true",
                    help="profile each mode's last warm-up step (table beside the JSON)")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "train_gpu.json")
    args = ap.parse_args()

    import torch

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    dist = None
    if world > 1:
        import torch.distributed as dist

        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    device = torch.device("cuda", torch.cuda.current_device()) if torch.cuda.is_available() \
        else torch.device("cpu")
    from mentalbench_train import batching
    from mentalbench_train.presets import PRESETS

    settings = PRESETS["mentalgpt"]
    n = args.batch * args.steps * world * 4  # enough for the packed modes' fuller steps
    lengths = length_mix(max(n, 512), seed=0, width=args.width,
                         source_max=settings.source_max_len)
    totals = [p + a for p, a in lengths]
    results, checks, build_s = {}, {}, {}
    varlen = batching._varlen
    # One model per variant; Liger patches transformers' classes for good, so its variants last.
    modes = [(m, *split_mode(m)) for m in args.modes.split(",")]
    variants = sorted({variant(name, flags) for _, name, flags in modes}, key=lambda v: v[0])
    for liger, upcast in variants:
        started = time.time()
        config, model, opt, settings, fused = build(args, device, liger=liger, upcast=upcast)
        label = f"liger={liger},upcast={upcast}"
        build_s[label] = round(time.time() - started, 1)
        runner = model
        if dist:
            from torch.nn.parallel import DistributedDataParallel

            runner = DistributedDataParallel(
                model, device_ids=[device.index] if device.index is not None else None,
                find_unused_parameters=False)
        examples = make_examples(lengths, config.vocab_size, seed=0)
        if not dist:
            checks[label] = contamination(model, device, config.vocab_size)
        for mode, name, flags in modes:
            if variant(name, flags) != (liger, upcast):
                continue
            plain = name.startswith("padded")  # the baseline: transformers + peft + bnb
            set_attention(model, "sdpa" if plain else batching.ATTENTION)
            batching._varlen = (lambda: None) if "loop" in flags else varlen
            worst = name.endswith("worst")
            head = fused and not plain and "fullhead" not in flags
            tag = mode.replace(":", "-").replace("+", "_")
            profile = args.json.parent / f"{args.json.stem}_profile_{tag}.txt" if args.profile \
                else None
            results[mode] = measure(runner, opt, list(batches_for(
                name, examples, args.batch, 3 if worst else args.steps, args.width, rank, world)),
                1 if worst else args.warmup, device, settings, dist, head, profile)
            results[mode].update(
                fused_head=head, liger=liger, upcast_base=upcast,
                attention="sdpa" if plain else "per-example" if "loop" in flags
                or varlen() is None or device.type != "cuda" else "varlen")
        batching._varlen = varlen
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        del runner, model, opt
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
    if rank != 0:
        dist.destroy_process_group()
        return
    import bitsandbytes
    import peft
    import transformers

    report = {
        "label": args.label or ("tiny-cpu" if args.tiny else f"{world}gpu"),
        "device": torch.cuda.get_device_name() if device.type == "cuda" else platform.processor(),
        "gpus": world, "versions": {"torch": torch.__version__,
                                    "transformers": transformers.__version__,
                                    "peft": peft.__version__,
                                    "bitsandbytes": bitsandbytes.__version__},
        "model": {"hidden": config.hidden_size, "layers": config.num_hidden_layers,
                  "params_trainable": trainable},
        "batch_per_gpu": args.batch, "width": args.width, "build_seconds": build_s,
        "length_mix": {"examples": len(totals), "mean_tokens": statistics.mean(totals),
                       "median_tokens": statistics.median(totals),
                       "share_at_width": sum(t == args.width for t in totals) / len(totals)},
        "contamination": checks, "results": results,
    }
    base = results.get("padded-1024", {}).get("nonpad_tokens_per_s")
    print(f"\n{report['label']} on {report['device']} (x{world}); mean example "
          f"{report['length_mix']['mean_tokens']:.0f} tokens")
    print(f"{'mode':<28}{'ex/step':>8}{'s/step':>9}{'nonpad tok/s':>14}{'x base':>8}"
          f"{'nonpad %':>10}{'alloc GiB':>11}{'resv GiB':>10}")
    for mode, r in results.items():
        ratio = (r["nonpad_tokens_per_s"] / base) if base else float("nan")
        print(f"{mode:<28}{r['examples_per_step']:>8.1f}{r['seconds_per_step']:>9.3f}{r['nonpad_tokens_per_s']:>14,.0f}"
              f"{ratio:>8.2f}{100 * r['nonpad_share']:>9.1f}%"
              f"{(r['peak_allocated_gib'] or 0):>11.2f}{(r['peak_reserved_gib'] or 0):>10.2f}")
    for label, check in checks.items():
        print(f"contamination check ({label}): padding-free "
              f"{check['max_abs_diff_padding_free']:.4f}, naive concatenation "
              f"{check['max_abs_diff_naive_concat']:.4f} (max |logit| {check['max_abs_logit']:.2f})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    if dist:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
