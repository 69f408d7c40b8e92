"""The base model for training: resolved through mentalbench's registry, loaded in 4 bits, given LoRA."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mentalbench.api import InputError

from .presets import TrainConfig


@dataclass(frozen=True)
class BaseModel:
    """A base model id and the transformers folder (or hub id) it resolves to."""

    model_id: str
    source: str

    def fingerprint(self) -> str:
        from mentalbench.api import weights_fingerprint as fingerprint

        path = Path(self.source)
        return fingerprint(path) if path.exists() else f"hub:{self.source}"


def resolve_base(model_id: str) -> BaseModel:
    """Any id the HF backend accepts (`smollm2`, `hf:<dir>`) -> where its weights live."""
    from mentalbench.api import HFModel, get_registry

    model = get_registry().get_model(model_id)
    if not isinstance(model, HFModel):
        raise InputError(f"--base {model_id!r}: training needs a transformers model "
                         "(smollm2, hf:<folder or hub id>)")
    source, gguf = model.source()
    if gguf:
        raise InputError(f"--base {model_id!r}: a GGUF file cannot be trained; convert it to a "
                         "transformers folder and pass hf:<folder>")
    return BaseModel(model_id, source)


def torch_dtype(name: str):
    import torch

    return {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}[name]


def device_map() -> dict[str, int | str]:
    """Each process's whole model on its own GPU (DDP under accelerate launch), else the CPU."""
    import torch

    if torch.cuda.is_available():
        return {"": int(os.environ.get("LOCAL_RANK", "0"))}
    return {"": "cpu"}


def load_base(base: BaseModel, config: TrainConfig, attn_implementation: str | None = None):
    """Tokenizer and frozen base model, quantized per the config (never generate with it)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

    dtype = torch_dtype(config.compute_dtype)
    # use_kernels=False: transformers 5.25 fetches hub kernels at load time by default.
    kwargs = {"dtype": dtype, "device_map": device_map(), "use_kernels": False}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    if config.load_in_4bit:
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type=config.quant_type,
            bnb_4bit_use_double_quant=config.double_quant, bnb_4bit_compute_dtype=dtype)
    try:
        tokenizer = AutoTokenizer.from_pretrained(base.source)
        model = AutoModelForCausalLM.from_pretrained(base.source, **kwargs)
    except OSError as exc:
        raise InputError(f"--base {base.model_id!r}: cannot load {base.source!r}: "
                         f"{str(exc).splitlines()[0]}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # Said here, the Trainer has nothing to align (and no warning to print about it).
    model.config.pad_token_id = tokenizer.pad_token_id
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.config.use_cache = False  # no cache in training; it also keeps segment attention on
    return tokenizer, model


def lora_config(config: TrainConfig):
    from peft import LoraConfig

    targets = config.lora_targets
    return LoraConfig(
        r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
        target_modules=targets if targets == "all-linear" else [t.strip() for t in
                                                                 targets.split(",")],
        bias="none", task_type="CAUSAL_LM")


def add_lora(model, config: TrainConfig):
    """Freeze the base, checkpoint activations if asked, and wrap it with trainable LoRA layers."""
    from peft import get_peft_model, prepare_model_for_kbit_training

    ckpt = {"use_reentrant": False}  # the re-entrant variant breaks with frozen inputs under DDP
    quantized = getattr(model, "is_loaded_in_4bit", False)
    if quantized and config.upcast_base:
        # peft's k-bit preparation: it upcasts every frozen 16-bit weight to float32.
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=config.gradient_checkpointing,
            gradient_checkpointing_kwargs=ckpt)
    elif config.gradient_checkpointing:
        # Without that upcast, which for bf16 compute turns the whole residual stream float32
        # (twice the activation traffic and memory); RMSNorm still takes its statistics in
        # float32. get_peft_model freezes the base.
        # transformers 5.2x renamed it activation_checkpointing_enable (the old name warns).
        enable = getattr(model, "activation_checkpointing_enable", None)
        if enable is not None:
            enable(activation_checkpointing_kwargs=ckpt)
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=ckpt)
        model.enable_input_require_grads()
    try:
        model = get_peft_model(model, lora_config(config))
    except ValueError as exc:  # e.g. a --lora-targets name the model does not have
        raise InputError(f"--lora-targets {config.lora_targets!r}: {exc}") from None
    if quantized:
        # QLoRA keeps the adapters in the compute dtype (trl's SFTTrainer does the same).
        dtype = torch_dtype(config.compute_dtype)
        for param in model.parameters():
            if param.requires_grad:
                param.data = param.data.to(dtype)
    return model


def lora_parameters(model) -> list[tuple[str, object]]:
    """The trainable LoRA matrices, by name."""
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad and "lora_" in n]
