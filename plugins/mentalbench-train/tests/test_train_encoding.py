"""Encoding: the model's chat template, labels on the assistant's tokens only, cuts that keep the format."""

from __future__ import annotations

import pytest
from mentalbench_train.datasets import Example
from mentalbench_train.encoding import IGNORE, chat_template, encode, encode_all

SYSTEM = "Be kind."


@pytest.fixture(scope="module")
def tokenizer(smollm2_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smollm2_dir)


def _pair(user="I feel sad all the time.", answer="I am sorry. Let us talk about it."):
    return Example(({"role": "user", "content": user}, {"role": "assistant", "content": answer}),
                   "x:1", "pair")


def _trained_text(tokenizer, enc):
    return tokenizer.decode([t for t in enc.labels if t != IGNORE])


def test_loss_only_on_the_answer_and_ids_match_the_whole_rendering(tokenizer):
    ex = _pair()
    enc = encode(ex, tokenizer, chat_template(tokenizer), SYSTEM, 512, 1024)
    assert _trained_text(tokenizer, enc) == "I am sorry. Let us talk about it.<|im_end|>\n"
    whole = tokenizer.apply_chat_template([{"role": "system", "content": SYSTEM}, *ex.messages],
                                          tokenize=False)
    assert list(enc.input_ids) == tokenizer(whole, add_special_tokens=False).input_ids
    assert (enc.source_cut, enc.target_cut) == (0, 0)


def test_every_assistant_turn_is_trained_in_a_conversation(tokenizer):
    ex = Example(({"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there."},
                  {"role": "user", "content": "I am tired."},
                  {"role": "assistant", "content": "Rest matters."}), "x:1", "messages")
    enc = encode(ex, tokenizer, chat_template(tokenizer), SYSTEM, 512, 1024)
    trained = _trained_text(tokenizer, enc)
    assert trained == "Hello there.<|im_end|>\nRest matters.<|im_end|>\n"
    assert "I am tired" not in trained


def test_long_prompts_and_answers_are_cut_but_the_assistant_header_stays(tokenizer):
    ex = _pair(user="worry " * 300, answer="calm " * 300)
    enc = encode(ex, tokenizer, chat_template(tokenizer), SYSTEM, 40, 25)
    n_answer = sum(t != IGNORE for t in enc.labels)
    assert n_answer == 25 and len(enc.input_ids) == 40 + 25
    prompt = tokenizer.decode(list(enc.input_ids[:40]))
    assert prompt.startswith("<|im_start|>system\nBe kind.") and prompt.endswith(
        "<|im_start|>assistant\n")
    assert enc.source_cut > 250 and enc.target_cut > 250


def test_a_row_system_message_wins_over_the_default(tokenizer):
    ex = Example(({"role": "system", "content": "You counsel carers."},
                  *_pair().messages), "x:1", "instruction")
    enc = encode(ex, tokenizer, chat_template(tokenizer), SYSTEM, 512, 1024)
    text = tokenizer.decode(list(enc.input_ids))
    assert "You counsel carers." in text and SYSTEM not in text


def test_a_base_model_without_template_uses_the_benchmarks_fallback(tokenizer):
    from mentalbench.backends.hf.engine import FALLBACK_TEMPLATE

    plain = tokenizer.__class__.from_pretrained(tokenizer.name_or_path)
    plain.chat_template = None
    assert chat_template(plain) == FALLBACK_TEMPLATE
    rows, stats = encode_all([_pair()], plain, SYSTEM, 512, 1024)
    text = plain.decode(rows[0]["input_ids"])
    assert text.startswith("### Instructions\nBe kind.") and "### Answer\nI am sorry." in text
    assert stats["examples"] == 1 and stats["answer_tokens"] == sum(
        t != IGNORE for t in rows[0]["labels"])
