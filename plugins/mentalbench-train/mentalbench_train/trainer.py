"""One QLoRA run: check everything, encode the data, train with trl's SFTTrainer, write the adapter."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mentalbench.api import (
    ADAPTER_CONFIG,
    DEFAULT_SYSTEM_PROMPT,
    InputError,
    MentalbenchError,
    require,
    write_atomic,
)

from . import manifest as mf
from .datasets import load_examples
from .mixing import Mix, mix
from .modeling import BaseModel, resolve_base
from .presets import TrainConfig

RUN_FILE = "run.json"
MANIFEST = "manifest.json"
LOSS_LOG = "loss_log.jsonl"
EVAL_SPLIT = "eval_examples.txt"


@dataclass(frozen=True)
class TrainPlan:
    """A checked training run: nothing heavy has been loaded yet."""

    base: BaseModel
    base_fingerprint: str
    files: tuple[dict[str, Any], ...]
    mix: Mix
    out: Path
    config: TrainConfig
    preset: str
    weights: tuple[float, ...] | None
    key: str


def _quiet(message: str) -> None:
    pass


def check_extras(config: TrainConfig) -> None:
    for module in ("torch", "transformers", "peft", "trl", "datasets"):
        require(module, "train", "mentalbench train")
    if config.load_in_4bit:
        require("bitsandbytes", "train", "4-bit training")
    if config.liger:
        import importlib.util

        import torch

        if not torch.cuda.is_available():
            raise InputError("--liger: Liger's kernels are written in Triton and need a CUDA GPU")
        if importlib.util.find_spec("liger_kernel") is None:
            raise MentalbenchError("--liger needs the 'liger_kernel' package: "
                                   "pip install 'mentalbench-train[liger]'")


def plan_training(base_id: str, data: Sequence[Path], out: Path, config: TrainConfig,
                  preset: str = "mentalgpt", weights: Sequence[float] | None = None) -> TrainPlan:
    """Resolve the base, validate every data file and the output folder, before any loading."""
    check_extras(config)
    if not data:
        raise InputError("--data: expected at least one data file")
    base = resolve_base(base_id)
    files = [(Path(p), load_examples(p)) for p in data]
    records = tuple(mf.file_record(p) for p, _ in files)
    fingerprint = base.fingerprint()
    weights = tuple(weights) if weights else None
    key = mf.run_key(fingerprint, list(records), config, weights)
    plan = TrainPlan(base, fingerprint, records, mix(files, config.eval_fraction, config.seed,
                                                     weights), out, config, preset, weights, key)
    _check_out(plan)
    return plan


def _check_out(plan: TrainPlan) -> None:
    out = plan.out
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {str(out)!r}: exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return
    run = out / RUN_FILE
    if not run.is_file():
        raise InputError(f"--out {str(out)!r}: a non-empty folder that holds no mentalbench "
                         "training run; choose a new folder")
    if json.loads(run.read_text()).get("key") != plan.key:
        raise InputError(f"--out {str(out)!r}: holds a run with another base, data or settings; "
                         "choose a new folder")


def finished(plan: TrainPlan) -> dict[str, Any] | None:
    """The manifest of this very run if it already finished (so nothing is trained twice)."""
    path = plan.out / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else None


def last_checkpoint(out: Path) -> str | None:
    folder = out / "checkpoints"
    found = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1])) \
        if folder.is_dir() else []
    return str(found[-1]) if found else None


def _callbacks(plan: TrainPlan, say: Callable[[str], None]):
    from .callbacks import LossLog, ProgressPrinter, ZeroGradientGuard

    return [ProgressPrinter(say), LossLog(plan.out / LOSS_LOG), ZeroGradientGuard()]


def total_steps(config: TrainConfig, n_train: int, world: int = 1) -> int:
    """Optimizer steps the run will take (the Trainer's own arithmetic)."""
    if config.max_steps:
        return config.max_steps
    batches = math.ceil(n_train / (config.batch_size * world))
    return max(1, math.ceil(config.epochs * math.ceil(batches / config.grad_accum)))


def warmup_steps(ratio: float, total: int) -> int:
    """Warm-up steps for `ratio` of `total` steps, leaving at least one step at a rate above 0.

    A linear warm-up starts at rate 0: a one-step run with any warm-up would change nothing.
    """
    return max(0, min(math.ceil(ratio * total), total - 1))


def _checkpointing_off() -> dict[str, bool]:
    """The Trainer's own activation checkpointing, off (add_lora has set it up for 4-bit)."""
    import dataclasses as dc

    from trl import SFTConfig

    # transformers 5.2x renamed gradient_checkpointing; naming the old field warns.
    names = {f.name for f in dc.fields(SFTConfig)}
    key = "activation_checkpointing" if "activation_checkpointing" in names else \
        "gradient_checkpointing"
    return {key: False}


LIGER_KERNELS = {"rope": True, "rms_norm": True, "swiglu": True, "cross_entropy": False,
                 "fused_linear_cross_entropy": False}


def _sft_config(plan: TrainPlan, n_rows: int, has_eval: bool):
    import torch
    from trl import SFTConfig

    c = plan.config
    world = int(os.environ.get("WORLD_SIZE", "1"))
    total = total_steps(c, n_rows, world)
    # Short runs still log the loss about ten times.
    logging = max(1, min(c.logging_steps, total // 10))
    if not has_eval:
        strategy = "no"
    else:
        strategy = "steps" if c.eval_steps else "epoch"
    return SFTConfig(
        output_dir=str(plan.out / "checkpoints"), num_train_epochs=c.epochs,
        max_steps=c.max_steps or -1, per_device_train_batch_size=c.batch_size,
        per_device_eval_batch_size=c.batch_size, gradient_accumulation_steps=c.grad_accum,
        learning_rate=c.learning_rate, lr_scheduler_type=c.lr_scheduler,
        warmup_steps=warmup_steps(c.warmup_ratio, total), weight_decay=c.weight_decay,
        max_grad_norm=c.max_grad_norm,
        optim=c.optim, bf16=c.compute_dtype == "bfloat16", fp16=c.compute_dtype == "float16",
        **_checkpointing_off(), logging_steps=logging, logging_first_step=True,
        save_strategy="steps", save_steps=c.save_steps, save_total_limit=1,
        eval_strategy=strategy, eval_steps=c.eval_steps, seed=c.seed, data_seed=c.seed,
        report_to="none", max_length=None, dataset_kwargs={"skip_prepare_dataset": True},
        ddp_find_unused_parameters=False, use_cpu=not torch.cuda.is_available(),
        # No tqdm bar: ProgressPrinter says one line per logging step instead.
        disable_tqdm=True, use_liger_kernel=c.liger,
        # The layer kernels only: trl's fused LM head already computes the loss.
        liger_kernel_config=LIGER_KERNELS if c.liger else None)


def _collator(config: TrainConfig, tokenizer):
    if config.padding_free:
        from .batching import PaddingFreeCollator

        return PaddingFreeCollator()
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    return DataCollatorForLanguageModeling(pad_token_id=tokenizer.pad_token_id)


def train(plan: TrainPlan, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the plan (or resume it) and return the manifest written beside the adapter."""
    done = finished(plan)
    if done is not None:
        say(f"{plan.out} already holds this finished run; nothing to do")
        return done
    from .quiet import training_noise_silenced

    with training_noise_silenced():
        return _train(plan, say)


def _train(plan: TrainPlan, say: Callable[[str], None]) -> dict[str, Any]:
    from datasets import Dataset
    from transformers import PrinterCallback
    from trl import SFTTrainer

    from .batching import register_attention
    from .callbacks import is_main
    from .encoding import encode_all
    from .modeling import add_lora, load_base

    c = plan.config
    if not is_main():
        say = _quiet  # under accelerate launch, one process speaks
    started = time.time()
    plan.out.mkdir(parents=True, exist_ok=True)
    if is_main():
        write_atomic(plan.out / RUN_FILE, json.dumps({"key": plan.key, "base": plan.base.model_id,
                                                      "data": [f["path"] for f in plan.files]}))
        write_atomic(plan.out / EVAL_SPLIT, "".join(e.source + "\n" for e in plan.mix.eval))
    for s in plan.mix.sources:
        say(f"data {s.path}: {s.rows} rows -> {s.train} train ({s.train_used} used, "
            f"{s.share:.1%} of the mix), {s.eval} eval")
    attn = register_attention() if c.padding_free else None
    tokenizer, model = load_base(plan.base, c, attn)
    system = c.system_prompt or DEFAULT_SYSTEM_PROMPT
    train_rows, train_stats = encode_all(plan.mix.train, tokenizer, system, c.source_max_len,
                                         c.target_max_len)
    eval_rows, eval_stats = encode_all(plan.mix.eval, tokenizer, system, c.source_max_len,
                                       c.target_max_len)
    if c.packing:
        from .batching import pack

        n_rows = len(train_rows)
        train_rows = pack(train_rows, c.pack_length)
        per_update = c.batch_size * c.grad_accum * n_rows / max(1, len(train_rows))
        say(f"packing: {n_rows} examples in {len(train_rows)} slots of <= {c.pack_length} tokens; "
            f"about {per_update:.0f} examples per update")
    model = add_lora(model, c)
    trainable, total = model.get_nb_trainable_parameters()  # peft counts 4-bit weights right
    say(f"base {plan.base.model_id}: {trainable:,} trainable parameters "
        f"({100 * trainable / total:.2f}%); {train_stats['tokens']:,} training tokens")
    trainer = SFTTrainer(model=model, args=_sft_config(plan, len(train_rows), bool(eval_rows)),
                         train_dataset=Dataset.from_list(train_rows),
                         eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
                         processing_class=tokenizer, data_collator=_collator(c, tokenizer),
                         callbacks=_callbacks(plan, say))
    trainer.remove_callback(PrinterCallback)  # it prints the raw log dicts
    resume = last_checkpoint(plan.out)
    if resume:
        say(f"resuming from {resume}")
    result = trainer.train(resume_from_checkpoint=resume)
    # The final eval loss: the last scheduled eval when it fell on the last step, else one more.
    evals = [r for r in trainer.state.log_history if "eval_loss" in r]
    metrics: dict[str, Any] = {}
    if eval_rows and evals and evals[-1].get("step") == result.global_step:
        metrics = evals[-1]
    elif eval_rows:
        metrics = trainer.evaluate()
    if not is_main():
        return {}
    _save_adapter(trainer.model, plan.out)
    logged = [json.loads(x) for x in (plan.out / LOSS_LOG).read_text().splitlines()]
    losses = [r["loss"] for r in logged if "loss" in r]
    record = {
        "base": {"model": plan.base.model_id, "source": plan.base.source,
                 "fingerprint": plan.base_fingerprint},
        "data": [{**f, **dataclasses.asdict(s)} for f, s in zip(plan.files, plan.mix.sources,
                                                                 strict=True)],
        "mix_weights": plan.weights, "preset": plan.preset,
        "settings": dataclasses.asdict(c), "system_prompt": system,
        "attention": attn or "sdpa (padded batches)",
        "cuda_alloc_conf": os.environ.get("PYTORCH_CUDA_ALLOC_CONF"),
        "tokens": {"train": train_stats, "eval": eval_stats},
        "parameters": {"trainable": trainable, "total": total},
        "results": {"steps": result.global_step, "epochs": trainer.state.epoch,
                    "first_loss": losses[0] if losses else None,
                    "final_loss": losses[-1] if losses else None,
                    "mean_train_loss": result.training_loss,
                    "eval_loss": metrics.get("eval_loss"), "seconds": round(time.time() - started, 1)},
        "versions": mf.versions(), "command": mf.command_line(), "key": plan.key,
    }
    write_atomic(plan.out / MANIFEST, json.dumps(record, indent=2, default=str))
    shutil.rmtree(plan.out / "checkpoints", ignore_errors=True)  # only ever needed to resume
    return record


def _save_adapter(model, out: Path) -> None:
    """Write the adapter beside the manifest; a reader never sees half an adapter."""
    tmp = out / ".adapter.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    (tmp / "README.md").unlink(missing_ok=True)  # peft's blank model card says nothing true
    # The config goes last: its presence is what makes the folder an adapter (is_adapter_dir).
    names = sorted(p.name for p in tmp.iterdir())
    for name in sorted(names, key=lambda n: n == ADAPTER_CONFIG):
        os.replace(tmp / name, out / name)
    tmp.rmdir()
