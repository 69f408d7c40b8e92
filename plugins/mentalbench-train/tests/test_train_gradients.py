"""The 4-bit trap (docs/install.md): after a training step every LoRA matrix has a gradient."""

from __future__ import annotations

import pytest

from mentalbench.errors import MentalbenchError


@pytest.fixture
def qlora_model(tiny_model_dir):
    from mentalbench_train.batching import register_attention
    from mentalbench_train.modeling import add_lora, load_base, resolve_base
    from mentalbench_train.presets import resolve_config

    config = resolve_config("mentalgpt", {"lora_r": 8})
    tokenizer, model = load_base(resolve_base(f"hf:{tiny_model_dir}"), config,
                                 register_attention())
    return tokenizer, add_lora(model, config)


def _loss(model, tokenizer, alpaca_file):
    import torch
    from mentalbench_train.batching import PaddingFreeCollator
    from mentalbench_train.datasets import load_examples
    from mentalbench_train.encoding import encode_all

    rows, _ = encode_all(load_examples(alpaca_file)[:4], tokenizer, "Be kind.", 512, 1024)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        return model(**PaddingFreeCollator()(rows)).loss


def test_every_lora_matrix_gets_a_gradient_in_4bit_training(qlora_model, alpaca_file):
    import bitsandbytes as bnb
    import torch
    from mentalbench_train.modeling import lora_parameters

    tokenizer, model = qlora_model
    base = model.get_base_model().model.layers[0].self_attn.q_proj.base_layer
    assert isinstance(base, bnb.nn.Linear4bit)
    lora = lora_parameters(model)
    assert len(lora) == 2 * 7 * 2  # A and B, 7 linear modules, 2 layers
    _loss(model, tokenizer, alpaca_file).backward()
    # B starts at zero, so only B learns on the first step; A follows once B has moved.
    assert all(p.grad is not None and p.grad.abs().max() > 0 for n, p in lora if "lora_B" in n)
    optimizer = torch.optim.AdamW([p for _, p in lora], lr=1e-3)
    optimizer.step()
    optimizer.zero_grad()
    _loss(model, tokenizer, alpaca_file).backward()
    assert all(p.grad is not None and p.grad.abs().max() > 0 for _, p in lora)


def test_the_guard_stops_a_run_whose_lora_gradients_are_all_zero():
    import torch
    from mentalbench_train.callbacks import ZeroGradientGuard

    guard = ZeroGradientGuard()
    layer = torch.nn.Module()
    layer.lora_A = torch.nn.Parameter(torch.ones(2, 2))
    layer.lora_A.grad = torch.zeros(2, 2)
    with pytest.raises(MentalbenchError, match="every LoRA gradient is zero"):
        guard.on_pre_optimizer_step(None, None, None, model=layer)
    layer.lora_A.grad = torch.ones(2, 2)
    fresh = ZeroGradientGuard()
    fresh.on_pre_optimizer_step(None, None, None, model=layer)  # a live gradient passes


@pytest.mark.parametrize("upcast", [False, True])
def test_frozen_weights_stay_in_the_compute_dtype_unless_upcast(tiny_model_dir, upcast):
    import torch
    from mentalbench_train.modeling import add_lora, load_base, resolve_base
    from mentalbench_train.presets import resolve_config

    config = resolve_config("mentalgpt", {"lora_r": 8, "upcast_base": upcast})
    _, model = load_base(resolve_base(f"hf:{tiny_model_dir}"), config)
    model = add_lora(model, config)
    frozen = {n: p.dtype for n, p in model.named_parameters()
              if not p.requires_grad and p.dtype.is_floating_point}
    assert any("norm" in n for n in frozen) and any("embed_tokens" in n for n in frozen)
    want = torch.float32 if upcast else torch.bfloat16
    assert set(frozen.values()) == {want}
    assert {p.dtype for n, p in model.named_parameters() if p.requires_grad} == {torch.bfloat16}


def test_liger_without_a_gpu_is_refused_before_any_work():
    import dataclasses

    import torch
    from mentalbench_train.presets import PRESETS
    from mentalbench_train.trainer import check_extras

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(MentalbenchError, match="--liger: .*CUDA GPU"):
        check_extras(dataclasses.replace(PRESETS["mentalgpt"], liger=True))
