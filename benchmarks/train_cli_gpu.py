"""The plugin's real training path on a GPU: plan_training + train (trl SFTTrainer), per variant.

A random-weight Mistral of a small shape is saved with a real tokenizer (any transformers folder,
e.g. the embedded model's), a data file of made-up counseling-length rows is written, and each
variant (default padding-free, --packing, --liger, ...) trains a few steps through exactly the code
`mentalbench train` runs. Checks the run finished, the loss is finite, the adapter was written;
reports each run's wall time (loading included: a smoke test of the path, not a speed figure).

    python benchmarks/train_cli_gpu.py --tokenizer DIR --variants default,packing,liger
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins" / "mentalbench-train")]

VARIANTS = {
    "default": {},
    "packing": {"packing": True},
    "liger": {"liger": True},
    "packing+liger": {"packing": True, "liger": True},
    "upcast": {"upcast_base": True},
}
WORDS = ("I feel tired anxious worried sleep work family mother father partner friend "
         "panic heart racing weeks months every night school job lost grief angry alone "
         "therapy help cope breathe talk counselor listen plan support small steps").split()


def save_model(tokenizer_dir: Path, out: Path, hidden: int, layers: int) -> None:
    import torch
    from transformers import AutoTokenizer, MistralConfig, MistralForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = MistralConfig(hidden_size=hidden, intermediate_size=hidden * 7 // 2,
                           num_hidden_layers=layers, num_attention_heads=hidden // 128,
                           num_key_value_heads=max(1, hidden // 512), vocab_size=len(tokenizer),
                           bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = MistralForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def write_data(path: Path, rows: int) -> None:
    rng = random.Random(0)
    with path.open("w") as f:
        for _ in range(rows):
            ask = " ".join(rng.choice(WORDS) for _ in range(int(rng.lognormvariate(math.log(300), 0.4))))
            say = " ".join(rng.choice(WORDS) for _ in range(int(rng.lognormvariate(math.log(200), 0.4))))
            f.write(json.dumps({"instruction": ask, "output": say}) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokenizer", type=Path, required=True)
    ap.add_argument("--variants", default="default,packing,liger")
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--work", type=Path, default=Path("/tmp/mb-train-gpu"))
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "train_cli_gpu.json")
    args = ap.parse_args()

    import torch
    from mentalbench_train.presets import resolve_config
    from mentalbench_train.trainer import plan_training, train

    args.work.mkdir(parents=True, exist_ok=True)
    model_dir, data = args.work / "model", args.work / "data.jsonl"
    if not (model_dir / "config.json").exists():
        save_model(args.tokenizer, model_dir, args.hidden, args.layers)
    if not data.exists():
        write_data(data, 512)
    report = {"device": torch.cuda.get_device_name(), "gpus": int(os.environ.get("WORLD_SIZE", "1")), "hidden": args.hidden, "layers": args.layers,
              "steps": args.steps, "variants": {}}
    for name in args.variants.split(","):
        config = resolve_config("mentalgpt", {"max_steps": args.steps, "grad_accum": 1,
                                              "eval_fraction": 0.0, **VARIANTS[name]})
        plan = plan_training(f"hf:{model_dir}", [data], args.work / f"out-{name}", config)
        started = time.time()
        record = train(plan)
        if not record:  # another rank of a multi-GPU run: rank 0 reports
            continue
        r = record["results"]
        ok = (r["steps"] == args.steps and math.isfinite(r["final_loss"])
              and (plan.out / "adapter_config.json").exists())
        report["variants"][name] = {"ok": ok, "steps": r["steps"], "first_loss": r["first_loss"],
                                    "final_loss": r["final_loss"], "wall_s": round(time.time() - started, 1),
                                    "attention": record["attention"]}
        print(name, json.dumps(report["variants"][name]))
    if int(os.environ.get("RANK", "0")) != 0:
        return
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    if not all(v["ok"] for v in report["variants"].values()):
        raise SystemExit("a variant did not finish cleanly")


if __name__ == "__main__":
    main()
