"""How the data commands set up a model: defaults by kind of model, and the HF penalty."""

from __future__ import annotations

import pytest
from mentalbench_train.data import plugin

from mentalbench.errors import InputError


def _build(model_id, *pairs, defaults=None):
    return plugin._model(model_id, pairs, defaults or (lambda api, known: {
        "max_new_tokens": "77" if api else "99", **plugin._local_decoding(api, known)}),
        private=False, allow_remote=False, what="test data")


def test_in_process_transformers_models_decode_greedily_with_a_penalty():
    model, api = _build("smollm2")
    assert not api
    o = model.options
    assert (o.max_new_tokens, o.temperature, o.repetition_penalty) == (99, 0.0, 1.2)


def test_the_users_options_win_over_the_commands_defaults():
    model, _ = _build("smollm2", "temperature=0.7", "repetition_penalty=1.05",
                      "max_new_tokens=10")
    o = model.options
    assert (o.max_new_tokens, o.temperature, o.repetition_penalty) == (10, 0.7, 1.05)


def test_greedy_decoding_goes_only_with_a_repetition_penalty(scripted):
    model, api = _build("scripted-data")  # in process, but its options have no penalty
    assert not api and not hasattr(model.options, "repetition_penalty")
    assert (model.options.max_new_tokens, model.options.temperature) == (99, 1.0)


def test_api_models_keep_their_sampling_defaults(monkeypatch):
    pytest.importorskip("openai", reason="needs mentalbench[openai]")
    from mentalbench.plugins.registry import get_registry

    if "openai" not in get_registry().models:
        pytest.skip("the openai: backend is not registered")
    model, api = _build("openai:gpt-4o-mini")
    assert api and model.options.temperature == 1.0 and model.options.max_new_tokens == 77
    model, _ = _build("openai:gpt-4o-mini", "max_tokens=5")
    assert model.options.max_new_tokens != 77  # max_tokens given: no max_new_tokens added


def test_repetition_penalty_is_checked_and_needs_the_generate_engine(tiny_model_dir):
    from mentalbench.backends.hf.model import HFModel, HFOptions

    with pytest.raises(InputError, match=r"repetition_penalty=0.0: expected a number > 0"):
        HFModel("hf:x", HFOptions(repetition_penalty=0.0), target="x").check()
    static = HFModel("hf:t", HFOptions(engine="static", repetition_penalty=1.2, device="cpu"),
                     target=str(tiny_model_dir))
    with pytest.raises(InputError, match=r"engine=static .*repetition_penalty=1.2"):
        static._decoder(64)


def test_repetition_penalty_reaches_transformers_generate(tiny_model_dir):
    """Greedy tokens with the penalty are transformers' own, and differ from those without."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from mentalbench.backends.hf.model import HFModel, HFOptions
    from mentalbench.records.base import ChatRequest

    messages = ({"role": "user", "content": "Tell me about sleep."},)
    texts, engines = {}, {}
    for penalty in (1.0, 3.0):
        model = HFModel("hf:t", HFOptions(temperature=0, max_new_tokens=24, device="cpu",
                                          repetition_penalty=penalty),
                        target=str(tiny_model_dir))
        (c,) = model.generate([ChatRequest(messages, "k")])
        texts[penalty], engines[penalty] = c.text, c.engine
    assert engines[3.0] == "generate" and texts[3.0] != texts[1.0]
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    raw = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    ids = tok.apply_chat_template(list(messages), add_generation_prompt=True, return_tensors="pt",
                                  return_dict=True)
    out = raw.generate(**ids, max_new_tokens=24, do_sample=False, repetition_penalty=3.0,
                       pad_token_id=tok.pad_token_id)
    new = out[0, ids["input_ids"].shape[1]:].tolist()
    eos = {tok.eos_token_id, *([raw.generation_config.eos_token_id]
                               if isinstance(raw.generation_config.eos_token_id, int)
                               else raw.generation_config.eos_token_id or [])}
    n = next((i for i, t in enumerate(new) if t in eos), len(new))
    assert texts[3.0] == tok.decode(new[:n], skip_special_tokens=True).strip()
