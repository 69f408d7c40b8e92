"""Training settings: one frozen record, and the paper's Table 3 as the `mentalgpt` preset."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from mentalbench.api import InputError


def _opt(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a QLoRA run; each one is a `mentalbench train` flag of the same name."""

    epochs: float = _opt(5.0, "Passes over the training data.")
    max_steps: int | None = _opt(None, "Stop after this many optimizer steps (overrides --epochs).")
    batch_size: int = _opt(8, "Examples per device per forward pass.")
    grad_accum: int = _opt(8, "Gradient accumulation steps (8 x 8 = 64 examples per update).")
    learning_rate: float = _opt(2e-4, "Peak learning rate.")
    lr_scheduler: str = _opt("constant_with_warmup", "transformers scheduler name.")
    warmup_ratio: float = _opt(0.03, "Share of the steps spent warming the learning rate up.")
    weight_decay: float = _opt(0.01, "AdamW weight decay.")
    max_grad_norm: float = _opt(0.3, "Gradient clipping norm.")
    optim: str = _opt("paged_adamw_32bit", "transformers optimizer name.")
    source_max_len: int = _opt(512, "Prompt tokens kept per example (the end of the prompt is cut).")
    target_max_len: int = _opt(1024, "Answer tokens kept per example (the end of the answer is cut).")
    load_in_4bit: bool = _opt(True, "Quantize the frozen base model to 4 bits (QLoRA).")
    quant_type: str = _opt("nf4", "4-bit data type: nf4 or fp4.")
    double_quant: bool = _opt(True, "Quantize the quantization constants too.")
    compute_dtype: str = _opt("bfloat16", "Compute dtype: bfloat16, float16 or float32.")
    lora_r: int = _opt(64, "LoRA rank.")
    lora_alpha: int = _opt(16, "LoRA alpha (scale = alpha / r).")
    lora_dropout: float = _opt(0.1, "Dropout on the LoRA input.")
    lora_targets: str = _opt("all-linear", "Modules to adapt: all-linear or comma-separated names.")
    gradient_checkpointing: bool = _opt(True, "Recompute activations in the backward pass.")
    upcast_base: bool = _opt(False, "Keep the frozen base's norms, embeddings and output layer in "
                                    "float32 (peft's k-bit default); off: in the compute dtype, so "
                                    "activations stay in it (see docs/training.md).")
    liger: bool = _opt(False, "Liger's fused RMSNorm, SwiGLU and RoPE kernels (CUDA only; "
                              "pip install 'mentalbench-train[liger]').")
    padding_free: bool = _opt(True, "Lay each batch end to end without padding (see docs/training.md).")
    packing: bool = _opt(False, "Fill each batch slot with several examples, up to --pack-length "
                                "tokens (more examples per update; see docs/training.md).")
    pack_length: int = _opt(1024, "Tokens per packed slot with --packing.")
    eval_fraction: float = _opt(0.05, "Share of each data file held out for eval loss (0 for none).")
    eval_steps: int | None = _opt(None, "Evaluate every N steps (default: once per epoch).")
    logging_steps: int = _opt(10, "Log the loss every N steps.")
    save_steps: int = _opt(200, "Write a resumable checkpoint every N steps.")
    seed: int = _opt(0, "Seed for the split, the shuffling and the LoRA initialisation.")
    system_prompt: str | None = _opt(None, "System message for rows without one "
                                           "(default: the benchmark's own).")


PRESETS: dict[str, TrainConfig] = {
    # MentalGPT's Table 3 (qlora.py names): the settings every paper model was trained with.
    "mentalgpt": TrainConfig(),
}

_CHOICES = {
    "quant_type": ("nf4", "fp4"),
    "compute_dtype": ("bfloat16", "float16", "float32"),
}


def check_config(config: TrainConfig) -> TrainConfig:
    """Reject settings no run could use, naming the flag."""
    def bad(name: str, expected: str):
        value = getattr(config, name)
        raise InputError(f"--{flag(name)} {value!r}: expected {expected}")

    for name in ("batch_size", "grad_accum", "source_max_len", "target_max_len", "lora_r",
                 "lora_alpha", "logging_steps", "save_steps", "pack_length"):
        if getattr(config, name) < 1:
            bad(name, "an integer >= 1")
    for name in ("max_steps", "eval_steps"):
        if getattr(config, name) is not None and getattr(config, name) < 1:
            bad(name, "an integer >= 1")
    if config.epochs <= 0:
        bad("epochs", "a number > 0")
    if config.learning_rate <= 0:
        bad("learning_rate", "a number > 0")
    if config.max_grad_norm <= 0:
        bad("max_grad_norm", "a number > 0")
    for name in ("warmup_ratio", "lora_dropout", "eval_fraction"):
        if not 0 <= getattr(config, name) < 1:
            bad(name, "a number in [0, 1)")
    if config.weight_decay < 0:
        bad("weight_decay", "a number >= 0")
    if config.packing and not config.padding_free:
        raise InputError("--packing needs --padding-free (packed examples share a row)")
    for name, choices in _CHOICES.items():
        if getattr(config, name) not in choices:
            bad(name, " or ".join(choices))
    return config


def flag(name: str) -> str:
    """The command-line flag of a setting: learning_rate -> learning-rate."""
    return name.replace("_", "-")


def resolve_config(preset: str, overrides: dict) -> TrainConfig:
    """The preset with the given settings replaced (None means: keep the preset's)."""
    if preset not in PRESETS:
        raise InputError(f"--preset {preset!r}: expected one of {', '.join(sorted(PRESETS))}")
    changes = {k: v for k, v in overrides.items() if v is not None}
    return check_config(dataclasses.replace(PRESETS[preset], **changes))
