"""The hf backend's static-cache engine: same greedy answers as plain `generate`, in fp32 and
4-bit, with batches of mixed lengths; sampling by seed; what it refuses and why."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from mentalbench.backends import hf_static
from mentalbench.backends.hf import HFModel, HFOptions
from mentalbench.errors import InputError
from mentalbench.records import ChatRequest

# Different lengths on purpose: batches are left padded, and two batches differ in width.
QUESTIONS = [
    "I can't sleep.",
    "My manager criticises me in front of everyone and I freeze. How do I answer him calmly?",
    "Since my father died I feel numb, and my friends say I should be over it by now. Am I "
    "grieving wrong? Some days I cannot get out of bed and I keep cancelling plans.",
    "How do I stop checking my phone at night?",
]


def _requests(questions=QUESTIONS):
    return [ChatRequest(({"role": "system", "content": "You are a kind counselor."},
                         {"role": "user", "content": q})) for q in questions]


@pytest.fixture(scope="module")
def smollm2():
    """The embedded model, loaded once; tests build siblings that share its weights."""
    from mentalbench.registry import get_registry

    model = get_registry().get_model("smollm2", {"temperature": "0", "max_new_tokens": "8",
                                                 "device": "cpu"})
    model.loaded()
    return model


def _sibling(model: HFModel, **changes) -> HFModel:
    other = type(model)(model.model_id, dataclasses.replace(model.options, **changes), model.target)
    other._loaded = model._loaded
    return other


def _same(a, b):
    assert [c.text for c in a] == [c.text for c in b]
    assert [c.usage for c in a] == [c.usage for c in b]
    assert [c.finish_reason for c in a] == [c.finish_reason for c in b]


@pytest.mark.slow
def test_greedy_answers_equal_plain_generate(smollm2):
    plain = _sibling(smollm2, engine="generate", batch_size=3).generate(_requests())
    static = _sibling(smollm2, engine="static", batch_size=3)
    first = static.generate(_requests())
    _same(first, plain)
    assert all(c.text and c.usage.completion_tokens > 0 for c in first)
    assert {c.engine for c in first} == {"static"}
    assert {c.engine for c in plain} == {"generate"}
    # Again on the same engine: its cache is reused for a batch of the same shape.
    _same(static.generate(_requests()), plain)


@pytest.mark.slow
def test_greedy_answers_equal_plain_generate_in_4bit(smollm2):
    pytest.importorskip("bitsandbytes")
    four = _sibling(smollm2, load_in_4bit=True, engine="generate", batch_size=2,
                    max_new_tokens=6)
    four._loaded = None  # its own 4-bit weights
    plain = four.generate(_requests(QUESTIONS[:2]))
    static = _sibling(four, engine="static")
    static._loaded = four._loaded
    _same(static.generate(_requests(QUESTIONS[:2])), plain)


@pytest.mark.slow
def test_answers_stop_at_the_end_of_answer_token(smollm2):
    long = _sibling(smollm2, engine="static", max_new_tokens=200)
    plain = _sibling(smollm2, engine="generate", max_new_tokens=200)
    requests = _requests(["Reply with just the word yes."])
    out = long.generate(requests)
    _same(out, plain.generate(requests))
    assert out[0].finish_reason == "stop" and out[0].usage.completion_tokens < 200


@pytest.mark.slow
def test_sampling_follows_the_seed(smollm2):
    requests = _requests(QUESTIONS[:1])
    run = lambda seed: _sibling(  # noqa: E731
        smollm2, engine="static", temperature=0.9, top_k=40, top_p=0.95, seed=seed
    ).generate(requests)[0].text
    first = run(7)
    assert first and run(7) == first
    assert run(8) != first


@pytest.mark.slow
def test_choice_scores_are_untouched_by_static_decoding(smollm2):
    messages = [{"role": "user", "content": "Rate your mood from 1 to 3."}]
    before = smollm2.score_choices(messages, ["My mood: "], ["1", "2", "3"])
    _sibling(smollm2, engine="static").generate(_requests(QUESTIONS[:1]))
    assert smollm2.loaded().model.config._attn_implementation == "sdpa"
    after = smollm2.score_choices(messages, ["My mood: "], ["1", "2", "3"])
    assert after == before and abs(sum(before[0].values()) - 1) < 1e-6


@pytest.mark.slow
def test_static_when_impossible_is_refused_and_auto_uses_generate(smollm2, monkeypatch):
    monkeypatch.setattr(hf_static, "unsupported", lambda model, max_len: "a test reason")
    with pytest.raises(InputError, match="engine=static .* a test reason"):
        _sibling(smollm2, engine="static").generate(_requests(QUESTIONS[:1]))
    out = _sibling(smollm2, engine="auto").generate(_requests(QUESTIONS[:1]))
    assert out[0].engine == "generate" and out[0].text


def _fake(**cfg):
    config = SimpleNamespace(**{"_attn_implementation": "sdpa", "is_encoder_decoder": False, **cfg})
    gen = SimpleNamespace(repetition_penalty=1.0)
    return SimpleNamespace(config=config, generation_config=gen)


def test_what_the_static_engine_cannot_do():
    assert hf_static.unsupported(_fake(), 512) is None
    assert hf_static.unsupported(_fake(sliding_window=4096), 512) is None
    assert "sliding window" in hf_static.unsupported(_fake(sliding_window=256), 512)
    assert "flash_attention_2" in hf_static.unsupported(
        _fake(_attn_implementation="flash_attention_2"), 64)
    model = _fake()
    model.generation_config.repetition_penalty = 1.2
    assert "repetition_penalty" in hf_static.unsupported(model, 64)


def test_engine_and_batch_size_options_are_checked():
    with pytest.raises(InputError, match="engine='turbo'"):
        HFModel("hf:x", HFOptions(engine="turbo"), target="x").check()
    with pytest.raises(InputError, match="batch_size=-1"):
        HFModel("hf:x", HFOptions(batch_size=-1), target="x").check()
    auto = HFModel("hf:x", HFOptions(device="cpu"), target="x")
    assert auto.batch_size() == 8 and auto.chunk_size == 32
    assert HFModel("hf:x", HFOptions(batch_size=5), target="x").batch_size() == 5
