"""What `mentalbench train` prints: one numeric line per logging step, none of the known noise."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import types
import warnings

import pytest

#: Every line `mentalbench train` may print on a run that goes well.
LINE_FORMATS = (
    r"data \S+: \d+ rows -> \d+ train \(\d+ used, [\d.]+% of the mix\), \d+ eval",
    r"base \S+: [\d,]+ trainable parameters \([\d.]+%\); [\d,]+ training tokens",
    r"step \d+/\d+: (loss [\d.]+(, eval loss [\d.]+)?, lr [\d.]+e[-+]\d+, [\d,]+ tokens/s"
    r"|eval loss [\d.]+)",
    r"Adapter: \S+ \(\d+ steps; loss [\d.]+ -> [\d.]+; eval loss ([\d.]+|none)\)",
)
#: What the plugin promises to keep off the terminal: progress bars, the Trainer's raw log dicts
#: and the warnings it silences. Other libraries' own log lines (a new release's notice, say)
#: are theirs: the test asserts on the plugin's lines and these, not on everything else.
NOISE = ("gemm_4bit_forward", "Paged optimizer", "{'", "it/s", "%|", "is deprecated")
#: The words that start each of the plugin's lines, one per entry of LINE_FORMATS.
OURS = ("data ", "base ", "step ", "Adapter: ")


def test_warmup_leaves_at_least_one_step_at_a_rate_above_zero():
    from mentalbench_train.trainer import warmup_steps

    assert warmup_steps(0.03, 1) == 0  # the only step runs at the full rate
    assert warmup_steps(0.03, 2) == 1
    assert warmup_steps(0.5, 3) == 2
    assert warmup_steps(0.03, 100) == 3
    assert warmup_steps(1.0, 4) == 3
    assert warmup_steps(0.0, 5) == 0


def test_progress_line_is_numbers_only():
    from mentalbench_train.callbacks import progress_line

    assert progress_line(3, 40, loss=2.31044, eval_loss=2.5, learning_rate=2e-4,
                         tokens_per_second=1234.4) == (
        "step 3/40: loss 2.3104, eval loss 2.5000, lr 2.00e-04, 1,234 tokens/s")
    assert progress_line(40, 40, eval_loss=1.25) == "step 40/40: eval loss 1.2500"


def _state(step, total=6):
    return types.SimpleNamespace(global_step=step, max_steps=total, is_world_process_zero=True)


def test_the_printer_joins_a_steps_eval_loss_to_its_line():
    from mentalbench_train.callbacks import ProgressPrinter

    clock = iter([10.0, 12.0, 16.0])
    said = []
    printer = ProgressPrinter(said.append, clock=lambda: next(clock))
    plain, evaluating = (types.SimpleNamespace(should_evaluate=flag) for flag in (False, True))
    printer.on_train_begin(None, _state(0), plain)
    printer.on_log(None, _state(1), plain, logs={"loss": 3.0, "learning_rate": 2e-4,
                                                  "grad_norm": 1.0, "num_tokens": 200.0})
    printer.on_log(None, _state(2), evaluating, logs={"loss": 2.5, "learning_rate": 2e-4,
                                                       "num_tokens": 600.0})
    assert said == ["step 1/6: loss 3.0000, lr 2.00e-04, 100 tokens/s"]
    printer.on_log(None, _state(2), evaluating, logs={"eval_loss": 2.75, "eval_runtime": 0.2})
    printer.on_log(None, _state(2), plain, logs={"train_loss": 2.7, "train_runtime": 4.0})
    printer.on_train_end(None, _state(2), plain)
    assert said[1:] == ["step 2/6: loss 2.5000, eval loss 2.7500, lr 2.00e-04, 100 tokens/s"]


def test_only_the_known_noise_is_silenced_and_only_inside_the_training_scope():
    from mentalbench_train.quiet import KNOWN_WARNINGS, training_noise_silenced

    def emit(message, category, module):
        warnings.warn_explicit(message, category, "x.py", 1, module=module, registry={})

    known = [("Paged optimizers are not supported on CPU. Falling back.", UserWarning,
              "bitsandbytes.optim.optimizer"),
             ("`is_gradient_checkpointing` is deprecated and will be removed in v6.",
              FutureWarning, "transformers.modeling_utils"),
             ("`gradient_checkpointing_enable` is deprecated and will be removed in v6.",
              FutureWarning, "transformers.modeling_utils"),
             ("`use_liger_kernel=True` is deprecated and will be removed in v2.0.0.",
              FutureWarning, "mentalbench_train.trainer")]
    assert len(known) == len(KNOWN_WARNINGS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with training_noise_silenced():
            for warning in known:
                emit(*warning)
            # The same words from elsewhere, or other words from there, still show.
            emit("Paged optimizers are not supported on CPU.", UserWarning, "my_code")
            emit("Something else went wrong.", FutureWarning, "transformers.modeling_utils")
        for warning in known:
            emit(*warning)
    assert [str(w.message) for w in caught] == [
        "Paged optimizers are not supported on CPU.", "Something else went wrong.",
        *(message for message, _, _ in known)]


def test_the_bitsandbytes_kernel_message_is_dropped_only_inside_the_scope(caplog):
    from mentalbench_train.quiet import training_noise_silenced

    logger = logging.getLogger("bitsandbytes.backends.cpu.ops")
    with caplog.at_level(logging.WARNING):
        with training_noise_silenced():
            logger.warning("Failed to load CPU gemm_4bit_forward from kernels-community: %s", "x")
            logger.warning("a real problem")
        logger.warning("Failed to load CPU gemm_4bit_forward from kernels-community: %s", "y")
    assert [r.getMessage() for r in caplog.records] == [
        "a real problem", "Failed to load CPU gemm_4bit_forward from kernels-community: y"]


TRAIN = """
import sys
from mentalbench.cli import cli
from mentalbench_train.plugin import register_commands
if "train" not in cli.commands:
    register_commands(cli=cli)
cli(["train", *sys.argv[1:]])
"""


def test_one_step_prints_clean_lines_and_changes_the_adapter(tmp_path, tiny_model_dir,
                                                            alpaca_file):
    """A real process, so that warnings reach stderr as a user would see them."""
    from safetensors.torch import load_file

    out = tmp_path / "adapter"
    args = ["--base", f"hf:{tiny_model_dir}", "--data", str(alpaca_file), "--out", str(out),
            "--max-steps", "1", "--batch-size", "4", "--grad-accum", "1", "--lora-r", "8"]
    done = subprocess.run([sys.executable, "-c", TRAIN, *args], capture_output=True, text=True,
                          env=os.environ, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = (done.stderr + done.stdout).splitlines()
    ours = [line for line in lines if line.startswith(OURS)]
    kinds = [next(i for i, start in enumerate(OURS) if line.startswith(start)) for line in ours]
    assert kinds[:2] == [0, 1] and kinds[-1] == 3 and set(kinds[2:-1]) == {2}, lines
    for line, kind in zip(ours, kinds, strict=True):
        assert re.fullmatch(LINE_FORMATS[kind], line), line
    assert not [line for line in lines if any(n in line for n in NOISE)], lines
    step = next(line for line in lines if line.startswith("step 1/1: loss"))
    assert float(re.search(r"lr ([\d.e+-]+)", step).group(1)) > 0
    logged = [json.loads(x) for x in (out / "loss_log.jsonl").read_text().splitlines()]
    assert [r["learning_rate"] for r in logged if "loss" in r] == [pytest.approx(2e-4)]
    weights = load_file(out / "adapter_model.safetensors")
    lora_b = [t for name, t in weights.items() if "lora_B" in name]
    assert lora_b and any(float(t.abs().max()) > 0 for t in lora_b)  # B starts at zero
