"""What the Trainer reports during a run: a loss log, a progress line a step, a gradient guard."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from transformers import TrainerCallback

from mentalbench.api import MentalbenchError, write_atomic

from .modeling import lora_parameters


def is_main() -> bool:
    """Whether this is the process that writes files and prints (rank 0 under DDP)."""
    return int(os.environ.get("RANK", "0")) == 0


def progress_line(step: int, total: int, *, loss: float | None = None,
                  eval_loss: float | None = None, learning_rate: float | None = None,
                  tokens_per_second: float | None = None) -> str:
    """One step's progress as one line, e.g. `step 3/40: loss 2.3104, lr 2.00e-04, 812 tokens/s`."""
    parts = []
    if loss is not None:
        parts.append(f"loss {loss:.4f}")
    if eval_loss is not None:
        parts.append(f"eval loss {eval_loss:.4f}")
    if learning_rate is not None:
        parts.append(f"lr {learning_rate:.2e}")
    if tokens_per_second is not None:
        parts.append(f"{tokens_per_second:,.0f} tokens/s")
    return f"step {step}/{total}: {', '.join(parts)}"


class ProgressPrinter(TrainerCallback):
    """Says one line per logging step; the step's eval loss joins its line when there is one.

    Tokens/s is the training tokens since the previous line (trl's `num_tokens`, counted over
    every process) over the seconds since then.
    """

    def __init__(self, say: Callable[[str], None],
                 clock: Callable[[], float] = time.perf_counter):
        self.say = say
        self.clock = clock
        self.pending: dict | None = None
        self.mark = (0.0, 0.0)

    def on_train_begin(self, args, state, control, **kw):
        # trl counts num_tokens from zero in every process, a resumed one included.
        self.mark = (self.clock(), 0.0)

    def on_log(self, args, state, control, logs=None, **kw):
        if not state.is_world_process_zero or not logs:
            return
        if "loss" in logs:
            self.flush()
            now, tokens = self.clock(), logs.get("num_tokens")
            rate = None
            if tokens is not None and now > self.mark[0]:
                rate = (float(tokens) - self.mark[1]) / (now - self.mark[0])
                self.mark = (now, float(tokens))
            self.pending = {"step": state.global_step, "total": state.max_steps,
                            "loss": logs["loss"], "learning_rate": logs.get("learning_rate"),
                            "tokens_per_second": rate}
            if not control.should_evaluate:  # no eval loss will join this line
                self.flush()
        elif "eval_loss" in logs:
            if self.pending is not None and self.pending["step"] == state.global_step:
                self.pending["eval_loss"] = logs["eval_loss"]
            else:  # an evaluation of its own (the final one, after training)
                self.flush()
                self.pending = {"step": state.global_step, "total": state.max_steps,
                                "eval_loss": logs["eval_loss"]}
            self.flush()

    def on_train_end(self, args, state, control, **kw):
        self.flush()

    def flush(self) -> None:
        if self.pending is not None:
            self.say(progress_line(**self.pending))
            self.pending = None


class LossLog(TrainerCallback):
    """Appends every logged loss to loss_log.jsonl; on resume drops what the checkpoint lost."""

    KEYS = ("loss", "eval_loss", "learning_rate", "grad_norm", "train_loss")

    def __init__(self, path: Path):
        self.path = path

    def on_train_begin(self, args, state, control, **kw):
        if is_main() and self.path.is_file():
            kept = [line for line in self.path.read_text().splitlines()
                    if json.loads(line)["step"] <= state.global_step]
            write_atomic(self.path, "".join(line + "\n" for line in kept))

    def on_log(self, args, state, control, logs=None, **kw):
        if not is_main() or not logs:
            return
        row = {"step": state.global_step, "epoch": round(state.epoch or 0, 4),
               **{k: logs[k] for k in self.KEYS if k in logs}}
        if len(row) > 2:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")


class ZeroGradientGuard(TrainerCallback):
    """Stops at the first update if every LoRA gradient is zero (4-bit trap: docs/install.md)."""

    checked = False

    def on_pre_optimizer_step(self, args, state, control, model=None, **kw):
        if self.checked or model is None:
            return
        self.checked = True
        grads = [p.grad for _, p in lora_parameters(model) if p.grad is not None]
        if not grads or all(float(g.abs().max()) == 0.0 for g in grads):
            raise MentalbenchError(
                "every LoRA gradient is zero at the first step: the base model's 4-bit "
                "weights were disturbed before training (was generate() called on it?)")
