"""The pieces benchmarks/train_gpu.py builds on: the length mix, batches, the 4-bit 7B-shaped model."""

from __future__ import annotations

import dataclasses
import math
import random

TOKENS_PER_WORD = 1.33  # Llama/Mistral tokenizer on English prose
TEMPLATE_TOKENS = 48  # system prompt + chat markup around one exchange


def length_mix(n: int, seed: int, width: int, source_max: int) -> list[tuple[int, int]]:
    """(prompt, answer) token lengths after the paper's data (PAPER.md), capped like training.

    63% synthetic (9,775 rows): patient messages of at least 300 words, answers of a few
    hundred words; 37% interview summaries (5,695 rows): both turns over 40-50 words.
    """
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 9775 / (9775 + 5695):
            patient = max(300, rng.lognormvariate(math.log(360), 0.25))
            answer = max(80, rng.lognormvariate(math.log(250), 0.4))
        else:
            patient = max(45, rng.lognormvariate(math.log(95), 0.45))
            answer = max(45, rng.lognormvariate(math.log(95), 0.45))
        p = min(source_max, width // 2, TEMPLATE_TOKENS + round(patient * TOKENS_PER_WORD))
        a = min(width - p, round(answer * TOKENS_PER_WORD))
        out.append((p, a))
    return out


def make_examples(lengths, vocab: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for p, a in lengths:
        ids = [rng.randrange(3, vocab) for _ in range(p + a)]
        rows.append({"input_ids": ids, "labels": [-100] * p + ids[p:]})
    return rows


def padded(batch: list[dict], width: int | None, pad: int = 0) -> dict:
    """Right-padded tensors with an attention mask (to `width`, or to the longest example)."""
    import torch

    w = width or max(len(r["input_ids"]) for r in batch)
    ids = [r["input_ids"] + [pad] * (w - len(r["input_ids"])) for r in batch]
    labels = [r["labels"] + [-100] * (w - len(r["labels"])) for r in batch]
    mask = [[1] * len(r["input_ids"]) + [0] * (w - len(r["input_ids"])) for r in batch]
    return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels),
            "attention_mask": torch.tensor(mask)}


def quantize_linears(model, device, compute_dtype) -> None:
    """Replace every decoder nn.Linear by a bitsandbytes NF4 (double-quant) Linear4bit, in place.

    The same bnb quantizer transformers uses when loading with BitsAndBytesConfig; done by hand
    because there are no weights to load (random init, built directly on the GPU).
    """
    import bitsandbytes as bnb
    import torch

    for module in list(model.model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                q = bnb.nn.Linear4bit(child.in_features, child.out_features,
                                      bias=child.bias is not None, compute_dtype=compute_dtype,
                                      compress_statistics=True, quant_type="nf4", device="meta")
                q.weight = bnb.nn.Params4bit(child.weight.data, requires_grad=False,
                                             compress_statistics=True,
                                             quant_type="nf4").to(device)
                setattr(module, name, q)
                del child
    model.is_loaded_in_4bit = True  # what peft and prepare_model_for_kbit_training look for
    if device.type == "cuda":
        torch.cuda.empty_cache()


def variant(name: str, flags: set[str]) -> tuple[bool, bool]:
    """(liger, upcast_base) of the model a mode runs on; the padded baselines keep peft's upcast."""
    return "liger" in flags, name.startswith("padded") or "upcast" in flags


def build(args, device, liger: bool = False, upcast: bool = False):
    """The 4-bit base with the plugin's LoRA wiring, and its optimizer."""
    import torch
    from mentalbench_train.batching import register_attention
    from mentalbench_train.modeling import add_lora
    from mentalbench_train.presets import PRESETS
    from transformers import MistralConfig, MistralForCausalLM

    if args.tiny:
        config = MistralConfig(hidden_size=256, intermediate_size=512, num_hidden_layers=2,
                               num_attention_heads=8, num_key_value_heads=2, vocab_size=2000)
    else:
        config = MistralConfig()  # Mistral-7B-v0.1's shape: 32 layers, 4096 wide, GQA 32/8
    config.use_cache = False
    attn = register_attention()
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device(device):
        model = MistralForCausalLM._from_config(config, attn_implementation=attn)
    torch.set_default_dtype(torch.float32)
    quantize_linears(model, device, torch.bfloat16)
    if liger:
        from liger_kernel.transformers import apply_liger_kernel_to_mistral

        apply_liger_kernel_to_mistral(rope=True, rms_norm=True, swiglu=True, cross_entropy=False,
                                      fused_linear_cross_entropy=False, model=model)
    fused = fused_head(model)
    settings = dataclasses.replace(PRESETS["mentalgpt"], upcast_base=upcast)
    model = add_lora(model, settings)
    params = [p for p in model.parameters() if p.requires_grad]
    if device.type == "cuda":
        import bitsandbytes as bnb

        opt = bnb.optim.PagedAdamW32bit(params, lr=settings.learning_rate,
                                        weight_decay=settings.weight_decay)
    else:  # paged optimizers need CUDA; the Trainer falls back the same way on CPU
        opt = torch.optim.AdamW(params, lr=settings.learning_rate,
                                weight_decay=settings.weight_decay)
    return config, model, opt, settings, fused


def fused_head(model) -> bool:
    """Give the base model trl's fused LM head, as SFTTrainer does; False where trl lacks it."""
    try:
        from trl.trainer.utils import add_fused_lm_head
    except ImportError as exc:
        print(f"trl's fused LM head is not available ({exc}); every mode computes full logits")
        return False
    add_fused_lm_head(model, outputs=("log_probs", "entropy", "is_top1"))
    return True


def set_attention(model, name: str) -> None:
    model.get_base_model().config._attn_implementation = name
