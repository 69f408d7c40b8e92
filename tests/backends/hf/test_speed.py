"""The hf backend's static-cache engine: same greedy answers as plain `generate`, in fp32 and
4-bit, with batches of mixed lengths and in length groups; sampling by seed; what it refuses
and why. Batched choice scoring against one prompt at a time; weights shared between models."""

from __future__ import annotations

import dataclasses
import importlib.util
from types import SimpleNamespace

import pytest

from mentalbench.backends.hf import engine as hf_engine
from mentalbench.backends.hf import releases as hf_releases
from mentalbench.backends.hf import static as hf_static
from mentalbench.backends.hf.model import HFModel, HFOptions
from mentalbench.errors import InputError
from mentalbench.models.base import Model
from mentalbench.records.base import ChatRequest

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


#: A release inside the engine's checked window, for tests of its rules.
IN_WINDOW = "{}.{}.0".format(*hf_releases.TRANSFORMERS_SUPPORTED[1])


pytestmark = pytest.mark.usefixtures("window_covers_the_installed_release")


@pytest.fixture(scope="module")
def smollm2():
    """The embedded model, loaded once; tests build siblings that share its weights."""
    from mentalbench.plugins.registry import get_registry

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
def test_length_groups_give_the_same_answers(smollm2, monkeypatch):
    monkeypatch.setattr(hf_static, "GROUP_ROWS", 1)
    monkeypatch.setattr(hf_static, "END_STEP", 2)
    plain = _sibling(smollm2, engine="generate", batch_size=4).generate(_requests())
    static = _sibling(smollm2, engine="static", batch_size=4)
    _same(static.generate(_requests()), plain)
    groups, _ = static._static._plan([30, 20, 20, 10], 30, 64, 5)
    assert groups == ((0, 1, 0), (1, 2, 0), (2, 3, 0), (3, 4, 16))


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


class _Switchable(SimpleNamespace):
    @classmethod
    def _can_set_attn_implementation(cls):
        return True


def _fake(**cfg):
    config = SimpleNamespace(**{"_attn_implementation": "sdpa", "is_encoder_decoder": False, **cfg})
    gen = SimpleNamespace(repetition_penalty=1.0)
    return _Switchable(config=config, generation_config=gen)


def test_what_the_static_engine_cannot_do():
    def why(model, max_len):
        return hf_static.unsupported(model, max_len, version=IN_WINDOW)

    assert why(_fake(), 512) is None
    assert why(_fake(sliding_window=4096), 512) is None
    assert "sliding window" in why(_fake(sliding_window=256), 512)
    assert "flash_attention_2" in why(_fake(_attn_implementation="flash_attention_2"), 64)
    assert "'eager'" in why(_fake(_attn_implementation="eager"), 64)
    model = _fake()
    model.generation_config.repetition_penalty = 1.2
    assert "repetition_penalty" in why(model, 64)
    fixed = SimpleNamespace(config=_fake().config, generation_config=_fake().generation_config)
    assert "cannot be switched" in why(fixed, 64)
    assert hf_static.unsupported(_fake(), 64, version="99.0.0").startswith("transformers 99.0.0")


def test_transformers_versions_outside_the_checked_range_are_named():
    low, high = hf_releases.TRANSFORMERS_SUPPORTED
    assert hf_releases.version_unsupported(f"{low[0]}.{low[1]}.0") is None
    assert hf_releases.version_unsupported(f"{high[0]}.{high[1]}.3") is None
    newer = hf_releases.version_unsupported(f"{high[0]}.{high[1] + 1}.0")
    assert newer and f"{low[0]}.{low[1]} to {high[0]}.{high[1]}" in newer
    assert hf_releases.version_unsupported("4.57.1")
    assert "unparsed" in hf_releases.version_unsupported("main")


def test_a_newer_transformers_is_refused_for_static_and_generate_is_used_for_auto(
        monkeypatch, capsys):
    import transformers

    monkeypatch.setattr(transformers, "__version__", "99.0.0")
    reason = hf_static.unsupported(_fake(), 64)
    assert reason.startswith("transformers 99.0.0")
    model = HFModel("hf:x", HFOptions(engine="static"), target="x")
    model._loaded = SimpleNamespace(model=_fake())
    with pytest.raises(InputError, match="engine=static .* transformers 99.0.0"):
        model._decoder(64)
    auto = HFModel("hf:x", HFOptions(), target="x")
    auto._loaded = SimpleNamespace(model=_fake())
    decode = auto._decoder(64)
    assert decode.func is hf_engine.generate
    low, high = hf_releases.TRANSFORMERS_SUPPORTED
    line = (f"mentalbench: hf:x decodes with transformers' generate, not the static engine "
            f"(transformers 99.0.0: the static engine supports {low[0]}.{low[1]} to "
            f"{high[0]}.{high[1]}); on a GPU plain generate measured 10-26x slower "
            f"(benchmarks/RESULTS.md). To get the static engine back: pip install "
            f"'transformers>={low[0]}.{low[1]},<{high[0]}.{high[1] + 1}'\n")
    assert capsys.readouterr().err == line
    auto._decoder(64)
    assert capsys.readouterr().err == ""  # said once


def test_the_answer_set_names_the_engine_that_decodes(monkeypatch, tmp_path):
    from mentalbench.run.answering import answer_set_of

    def engine(version, **options):
        monkeypatch.setattr(hf_releases, "installed_version", lambda: version)
        model = HFModel("hf:x", HFOptions(**{"device": "cpu", **options}), target=str(tmp_path))
        return model.identity()["engine"], answer_set_of(model)

    static, static_set = engine(IN_WINDOW)
    assert static == "static"
    assert engine(IN_WINDOW, device="cuda")[0] == "static+graphs"
    assert engine(IN_WINDOW, device="cuda", cuda_graphs=False)[0] == "static"
    assert engine(IN_WINDOW, engine="generate")[0] == "generate"
    assert engine(IN_WINDOW, repetition_penalty=1.1)[0] == "generate"
    assert engine("99.0.0", engine="static")[0] == "static"  # refused when it decodes
    fallback, fallback_set = engine("99.0.0")
    assert fallback == "generate" and fallback_set != static_set  # two engines never pool


def test_engine_and_batch_size_options_are_checked():
    with pytest.raises(InputError, match="engine='turbo'"):
        HFModel("hf:x", HFOptions(engine="turbo"), target="x").check()
    with pytest.raises(InputError, match="batch_size=-1"):
        HFModel("hf:x", HFOptions(batch_size=-1), target="x").check()
    auto = HFModel("hf:x", HFOptions(device="cpu"), target="x")
    assert auto.batch_size() == 8 and auto.chunk_size == 32
    assert HFModel("hf:x", HFOptions(batch_size=5), target="x").batch_size() == 5


def _judge_conversations():
    from mentalbench.inputs.resources import rubric_dir
    from mentalbench.inputs.rubric import load_rubric

    rubric = load_rubric(rubric_dir("mentalgpt"))
    answers = ["Try slow breathing, and plan short study blocks with breaks.",
               "I am so sorry. Grief has no timetable; let yourself cry and lean on people.",
               "Saying no is a skill. Start with small requests and be kind to yourself."]
    return rubric, [rubric.messages(q, a) for q, a in zip(QUESTIONS, answers, strict=False)]


def test_common_prefix_and_choice_tree():
    from mentalbench.backends.hf.choices import _Trie, common_prefix

    assert common_prefix([[1, 2, 3, 4], [1, 2, 5], [1, 2, 3]]) == 2
    assert common_prefix([[7, 8], [9]]) == 0
    # prefix [5, 6]; choices [1] and [1, 0]: the shared token 1 is one node.
    trie = _Trie.build([([5, 6, 1], 2), ([5, 6, 1, 0], 2)])
    assert trie.tokens == [5, 6, 1, 0] and trie.parent == [-1, 0, 1, 2]
    assert trie.depth == [1, 2, 3, 4]
    assert trie.scored == [[(1, 1)], [(1, 1), (2, 0)]]
    assert trie.ancestry().tolist()[3] == [True, True, True, True]


@pytest.mark.slow
def test_batched_choice_scores_equal_one_prompt_at_a_time(smollm2):
    rubric, conversations = _judge_conversations()
    prefixes = [rubric.slot_prefix(m) for m in rubric.rated[:3]]
    labels = rubric.choice_labels()
    batched = smollm2.score_choices_batch(conversations, prefixes, labels)
    single = [smollm2.score_choices(c, prefixes, labels) for c in conversations]
    assert len(batched) == len(conversations) and all(len(b) == len(prefixes) for b in batched)
    for b, s in zip(batched, single, strict=True):
        for db, ds in zip(b, s, strict=True):
            assert db.keys() == ds.keys() and abs(sum(db.values()) - 1) < 1e-6
            assert max(abs(db[c] - ds[c]) for c in labels) < 1e-4
    assert smollm2.score_choices_batch([], prefixes, labels) == []


def test_the_base_model_scores_a_batch_one_conversation_at_a_time():
    class Counting(Model):
        def score_choices(self, messages, prefixes, choices):
            return [{c: float(len(messages)) for c in choices} for _ in prefixes]

    model = Counting("counting", HFOptions())
    out = model.score_choices_batch([[{}], [{}, {}]], ["a", "b"], ["1", "2"])
    assert out == [[{"1": 1.0, "2": 1.0}] * 2, [{"1": 2.0, "2": 2.0}] * 2]


@pytest.mark.slow
def test_models_with_the_same_weights_share_one_load(smollm2):
    from mentalbench.plugins.registry import get_registry

    registry = get_registry()
    before = hf_engine.shared_count()
    answerer = registry.get_model("smollm2", {"temperature": "0.7", "device": "cpu"})
    judge = registry.get_model("smollm2", {"temperature": "0", "max_new_tokens": "4",
                                           "device": "cpu"})
    assert answerer.weights_key() == judge.weights_key() == smollm2.weights_key()
    assert answerer.loaded() is judge.loaded() is smollm2.loaded()
    assert hf_engine.shared_count() == before
    answerer.close()
    judge.close()
    assert smollm2.loaded().model is not None and hf_engine.shared_count() == before


@pytest.mark.slow
def test_other_weights_options_load_their_own(smollm2):
    from mentalbench.plugins.registry import get_registry

    registry = get_registry()
    before = hf_engine.shared_count()
    bf16 = registry.get_model("smollm2", {"dtype": "bfloat16", "device": "cpu"})
    assert bf16.weights_key() != smollm2.weights_key()
    assert bf16.loaded() is not smollm2.loaded()
    assert hf_engine.shared_count() == before + 1
    if importlib.util.find_spec("bitsandbytes"):
        four = registry.get_model("smollm2", {"load_in_4bit": "true", "device": "cpu"})
        assert four.loaded() is not smollm2.loaded() and four.loaded() is not bf16.loaded()
        four.close()
    bf16.close()
    assert hf_engine.shared_count() == before
