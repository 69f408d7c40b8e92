"""The vLLM backend: option mapping and the missing-extra message everywhere; the real engine
(vllm-cpu, the embedded model, eager mode) where vllm is installed, as in .venv-vllm."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from mentalbench.backends.vllm import VLLMModel, VLLMOptions, engine_args, sampling_args
from mentalbench.errors import MissingExtra
from mentalbench.records.base import ChatRequest

QUESTIONS = [
    "I panic before every exam and my mind goes blank. What can I do?",
    "My dog died last week and I cannot stop crying at work.",
    "How do I tell my sister that her jokes about my weight hurt me?",
]


def _request(text: str, system: str = "You are a kind counselor.") -> ChatRequest:
    return ChatRequest(({"role": "system", "content": system}, {"role": "user", "content": text}))


def test_registering_the_backend_does_not_import_vllm():
    code = ("import sys; from mentalbench.plugins.registry import get_registry; "
            "assert 'vllm' in get_registry().models; "
            "assert 'vllm' not in sys.modules and 'torch' not in sys.modules, 'heavy import'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_missing_vllm_names_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "vllm" else real(name, *a))
    model = VLLMModel("vllm:some/model", VLLMOptions(), target="some/model")
    with pytest.raises(MissingExtra, match=r"pip install 'mentalbench\[vllm\]'"):
        model.check()


def test_temperature_zero_is_greedy_and_sampling_keeps_its_settings():
    greedy = sampling_args(VLLMOptions(temperature=0, max_new_tokens=7))
    assert greedy == {"temperature": 0.0, "max_tokens": 7}
    sampled = sampling_args(VLLMOptions(temperature=0.7, top_k=40, top_p=0.9, seed=5))
    assert sampled == {"temperature": 0.7, "top_k": 40, "top_p": 0.9, "seed": 5,
                       "max_tokens": 1024}
    assert sampling_args(VLLMOptions(top_k=0))["top_k"] == 0


def test_engine_options_reach_the_engine(tmp_path):
    args = engine_args("m", VLLMOptions(tensor_parallel_size=2, pipeline_parallel_size=2,
                                        kv_cache_gib=1.5, max_model_len=4096,
                                        adapter=str(tmp_path), max_lora_rank=32,
                                        enforce_eager=True, dtype="bfloat16"))
    assert args["tensor_parallel_size"] == 2 and args["pipeline_parallel_size"] == 2
    assert args["kv_cache_memory_bytes"] == 3 << 29
    assert args["max_model_len"] == 4096 and args["enforce_eager"] and args["dtype"] == "bfloat16"
    assert args["enable_lora"] and args["max_lora_rank"] == 32
    assert "enable_lora" not in engine_args("m", VLLMOptions())
    assert "max_num_seqs" not in engine_args("m", VLLMOptions())


# --- the real engine, started once for the module ---

def _write_lora(base, out) -> str:
    """A small LoRA adapter on q_proj/v_proj with non-zero B, written without peft."""
    import torch
    from safetensors.torch import save_file

    cfg = json.loads((base / "config.json").read_text())
    hidden, layers = cfg["hidden_size"], cfg["num_hidden_layers"]
    kv = cfg["num_key_value_heads"] * (hidden // cfg["num_attention_heads"])
    rank, gen = 8, torch.Generator().manual_seed(0)
    tensors = {}
    for i in range(layers):
        for proj, width in (("q_proj", hidden), ("v_proj", kv)):
            prefix = f"base_model.model.model.layers.{i}.self_attn.{proj}"
            tensors[f"{prefix}.lora_A.weight"] = torch.randn(rank, hidden, generator=gen) * 0.05
            tensors[f"{prefix}.lora_B.weight"] = torch.randn(width, rank, generator=gen) * 0.05
    out.mkdir()
    save_file(tensors, str(out / "adapter_model.safetensors"))
    (out / "adapter_config.json").write_text(json.dumps({
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": 16,
        "lora_dropout": 0.0, "bias": "none", "target_modules": ["q_proj", "v_proj"],
        "base_model_name_or_path": str(base), "fan_in_fan_out": False}))
    return str(out)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """One vLLM engine (LoRA enabled) shared by every test below; started once, shut after."""
    pytest.importorskip("vllm")
    from mentalbench.backends.embedded import ensure_smollm2

    tmp = tmp_path_factory.mktemp("vllm")
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("VLLM_CACHE_ROOT", str(tmp / "cache"))
    base = ensure_smollm2()
    adapter = _write_lora(base, tmp / "adapter")
    opts = VLLMOptions(temperature=0, max_new_tokens=12, enforce_eager=True, max_model_len=1024,
                       adapter=adapter, max_lora_rank=8, max_num_seqs=8)
    with_adapter = VLLMModel(f"vllm:{base}", opts, target=str(base))
    with_adapter.engine()
    yield with_adapter
    with_adapter.close()


def _sibling(model: VLLMModel, **changes) -> VLLMModel:
    """The same engine under other options (vLLM's sampling and LoRA are per request)."""
    other = VLLMModel(model.model_id, dataclasses.replace(model.options, **changes), model.target)
    other._llm, other._template = model._llm, model._template
    return other


@pytest.mark.slow
@pytest.mark.vllm
def test_greedy_answers_are_vllm_chat_answers(engine):
    from vllm import SamplingParams

    base = _sibling(engine, adapter=None)
    done = []
    out = base.generate([_request(q) for q in QUESTIONS], progress=done.append)
    assert done == [len(QUESTIONS)]
    raw = engine.engine().chat([list(_request(q).messages) for q in QUESTIONS],
                               SamplingParams(temperature=0, max_tokens=12), use_tqdm=False)
    assert [c.text for c in out] == [r.outputs[0].text.strip() for r in raw]
    for c in out:
        assert c.ok and c.text and c.finish_reason in ("stop", "length")
        assert 0 < c.usage.completion_tokens <= 12 and c.usage.prompt_tokens > 20
    assert [c.text for c in base.generate([_request(q) for q in QUESTIONS])] == [c.text for c in out]


@pytest.mark.slow
@pytest.mark.vllm
def test_the_adapter_changes_the_answers(engine):
    base = _sibling(engine, adapter=None)
    requests = [_request(q) for q in QUESTIONS[:2]]
    tuned = [c.text for c in engine.generate(requests)]
    plain = [c.text for c in base.generate(requests)]
    assert all(tuned) and tuned != plain
    assert engine.identity()["adapter"] and "adapter" not in base.identity()


@pytest.mark.slow
@pytest.mark.vllm
def test_sampling_follows_the_seed(engine):
    requests = [_request(QUESTIONS[0])]
    first = _sibling(engine, adapter=None, temperature=1.0, seed=1).generate(requests)[0].text
    again = _sibling(engine, adapter=None, temperature=1.0, seed=1).generate(requests)[0].text
    others = {_sibling(engine, adapter=None, temperature=1.0, seed=s).generate(requests)[0].text
              for s in (2, 3)}
    assert first == again and others != {first}


@pytest.mark.slow
@pytest.mark.vllm
def test_a_request_over_the_length_limit_fails_alone(engine):
    base = _sibling(engine, adapter=None)
    out = base.generate([_request(QUESTIONS[0]), _request("worry " * 1500), _request(QUESTIONS[1])])
    assert out[0].ok and out[2].ok and out[0].text and out[2].text
    assert not out[1].ok and out[1].text == "" and out[1].error


@pytest.mark.slow
@pytest.mark.vllm
def test_provenance_names_engine_and_template(engine):
    prov = engine.provenance()
    assert prov["engine"].startswith("vllm ") and len(prov["chat_template"]) == 16
    assert prov["weights"] == engine.identity()["weights"]
