"""The static engine on a GPU (skipped without CUDA): graph capture, the eager fallback when a
capture fails, and length-grouped attention, each with the greedy answers of plain `generate`
(float32, a small random Llama with the embedded model's tokenizer)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
              pytest.mark.usefixtures("window_covers_the_installed_release")]

from mentalbench.backends.hf import static as hf_static  # noqa: E402
from mentalbench.backends.hf.model import HFModel, HFOptions  # noqa: E402
from mentalbench.records.base import ChatRequest  # noqa: E402

QUESTIONS = ["I can't sleep.", "How do I tell my sister I need space without hurting her?",
             "Since the move I have no friends here and weekends feel endless. What can I do?",
             "Is it normal to feel nothing at a funeral?", "My exams start Monday. Help.",
             "I keep replaying an argument with my partner from last week."]


def _tokenizer_dir() -> Path:
    env = os.environ.get("MENTALBENCH_TEST_TOKENIZER")
    if env:
        return Path(env)
    from mentalbench.backends.embedded import home

    folder = home() / "models" / "smollm2-135m-instruct"
    if not (folder / "tokenizer.json").is_file():
        pytest.skip("no tokenizer: set MENTALBENCH_TEST_TOKENIZER or convert the embedded model")
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A 2-layer random Llama in float32, saved with the embedded model's tokenizer."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(_tokenizer_dir())
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=256, intermediate_size=512,
                      num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def _model(folder, **opts) -> HFModel:
    o = HFOptions(**{"temperature": 0, "max_new_tokens": 24, "dtype": "float32", "device": "cuda",
                     "batch_size": len(QUESTIONS), **opts})
    return HFModel(f"hf:{folder}", o, target=str(folder))


def _requests():
    return [ChatRequest(({"role": "user", "content": q},)) for q in QUESTIONS]


def _texts(model) -> list[str]:
    out = model.generate(_requests())
    assert all(c.ok for c in out)
    return [c.text for c in out]


def test_graphs_are_captured_once_and_give_generates_answers(folder):
    plain = _texts(_model(folder, engine="generate"))
    model = _model(folder, engine="static")
    first = model.generate(_requests())
    assert [c.text for c in first] == plain
    assert {c.engine for c in first} == {"static+graphs"}
    engine = model._static
    assert engine.graph_failure is None and len(engine._slot.graphs) == 1
    graph = next(iter(engine._slot.graphs.values()))
    assert _texts(model) == plain  # replayed: same shape, same graph
    assert next(iter(engine._slot.graphs.values())) is graph


def test_a_failed_capture_falls_back_to_eager_steps(folder, monkeypatch, capsys):
    plain = _texts(_model(folder, engine="generate"))
    forward = hf_static.StaticEngine._forward

    def syncing(self, slot, plan):  # a host sync: not allowed while a graph is captured
        logits = forward(self, slot, plan)
        logits.sum().item()
        return logits

    monkeypatch.setattr(hf_static.StaticEngine, "_forward", syncing)
    model = _model(folder, engine="static")
    out = model.generate(_requests())
    assert [c.text for c in out] == plain
    assert model._static.graph_failure and not model._static.graphs_active()
    assert {c.engine for c in out} == {"static"}
    assert "CUDA graph capture failed" in capsys.readouterr().err


def test_length_groups_and_step_blocks_give_generates_answers(folder, monkeypatch):
    monkeypatch.setattr(hf_static, "GROUP_ROWS", 2)
    monkeypatch.setattr(hf_static, "END_STEP", 8)
    plain = _texts(_model(folder, engine="generate"))
    model = _model(folder, engine="static")
    assert _texts(model) == plain
    plans = {key[0] for key in model._static._slot.graphs}
    assert len(plans) > 1  # 23 decode steps in blocks of 8: reads end later as steps go on
    assert all(len(groups) == 3 for groups, _ in plans)


@pytest.mark.parametrize("in_graph", [False, True])
def test_sampling_with_graphs_follows_the_seed(folder, monkeypatch, in_graph):
    monkeypatch.setattr(hf_static, "SAMPLE_IN_GRAPH", in_graph)

    def text(seed):
        model = _model(folder, engine="static", temperature=0.9, top_k=40, seed=seed)
        return _texts(model)

    first = text(3)
    assert text(3) == first and text(4) != first
