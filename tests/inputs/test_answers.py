"""Reading answers made elsewhere: mentalbench answers.jsonl and FastChat model_answer files."""

from __future__ import annotations

import json
import re
import warnings

import pytest

from mentalbench.errors import InputError
from mentalbench.inputs.answers import read_answers


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def _fastchat(qid, text, model="vicuna-7b", second_turn="And then?"):
    return {"question_id": qid, "answer_id": f"id{qid}", "model_id": model,
            "choices": [{"index": 0, "turns": [text, second_turn]}], "tstamp": 1.0}


def _one(path, model=None):
    [f] = read_answers(path, model)
    return f


def test_native_answers_file(tmp_path):
    path = _write(tmp_path / "answers.jsonl", [
        {"key": "k1", "question_id": "q1", "model": "smollm2", "text": "Try breathing slowly.",
         "usage": {"prompt_tokens": 3, "completion_tokens": 4}, "provenance": {}},
        {"question_id": 2, "model": "smollm2", "text": ""},
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = _one(path)
    assert [(a.question_id, a.model, a.text, a.sample) for a in f.answers] == [
        ("q1", "smollm2", "Try breathing slowly.", 0), ("2", "smollm2", "", 0)]
    assert f.answers[0].provenance == {"source": str(path)}
    assert len(f.answer_set) == 8 and {a.answer_set for a in f.answers} == {f.answer_set}


def test_a_runs_answers_file_keeps_its_answer_sets(tmp_path):
    path = _write(tmp_path / "answers.jsonl", [
        {"question_id": "q1", "model": "m", "answer_set": "aaaa1111", "text": "short"},
        {"question_id": "q1", "model": "m", "answer_set": "bbbb2222", "text": "a longer one"}])
    files = read_answers(path)
    assert sorted((f.answer_set, len(f.answers)) for f in files) == [
        ("aaaa1111", 1), ("bbbb2222", 1)]
    assert {a.sample for f in files for a in f.answers} == {0}


def test_fastchat_model_answer_takes_the_first_turn(tmp_path):
    path = _write(tmp_path / "vicuna.jsonl", [_fastchat(81, "First answer."),
                                             _fastchat(82, "Second answer.")])
    f = _one(path)
    assert [(a.question_id, a.model, a.text) for a in f.answers] == [
        ("81", "vicuna-7b", "First answer."), ("82", "vicuna-7b", "Second answer.")]


def test_a_file_without_model_names_is_named_after_itself(tmp_path):
    path = _write(tmp_path / "llama2-synthetic.jsonl", [{"question_id": "q1", "text": "hi"}])
    assert _one(path).model == "llama2-synthetic"


def test_model_name_can_be_given(tmp_path):
    path = _write(tmp_path / "a.jsonl", [{"question_id": "q1", "text": "hi"},
                                         _fastchat("q2", "hello", model="other")])
    assert {a.model for a in _one(path, model="mine").answers} == {"mine"}


def test_keys_follow_model_question_and_text(tmp_path):
    def key(model="m", qid="q1", text="hi"):
        path = _write(tmp_path / "a.jsonl", [{"question_id": qid, "model": model, "text": text}])
        return _one(path).answers[0].key

    assert key() == key()
    assert len({key(), key(model="n"), key(qid="q2"), key(text="hi!")}) == 4


def test_repeated_generations_are_samples_and_identical_repeats_are_dropped(tmp_path):
    path = _write(tmp_path / "dupes.jsonl", [
        _fastchat(1, "first"), _fastchat(2, "other"), _fastchat(1, "second"), _fastchat(1, "first"),
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said in one plain line by the command, not warned
        f = _one(path)
    assert [(a.question_id, a.sample, a.text) for a in f.answers] == [
        ("1", 0, "first"), ("1", 1, "second"), ("2", 0, "other")]
    assert f.duplicates == 1


def test_fastchat_choices_are_samples(tmp_path):
    row = {"question_id": "q1", "model_id": "m", "choices": [
        {"index": 0, "turns": ["one"]}, {"index": 1, "turns": ["two"]}]}
    f = _one(_write(tmp_path / "a.jsonl", [row]))
    assert [(a.sample, a.text) for a in f.answers] == [(0, "one"), (1, "two")]


def test_answers_over_the_word_cap_are_refused(tmp_path):
    path = _write(tmp_path / "big.jsonl", [{"question_id": "q1", "model": "m",
                                            "text": "word " * 50}])
    with pytest.raises(InputError, match=r"big\.jsonl:1: the answer to 'q1' has 50 words, "
                                         r"above the cap of 20"):
        read_answers(path, max_words=20)


def test_mixed_models_are_rejected(tmp_path):
    path = _write(tmp_path / "mixed.jsonl", [
        {"question_id": "q1", "model": "a", "text": "x"},
        {"question_id": "q2", "model": "b", "text": "y"}])
    with pytest.raises(InputError, match="answers from several models \\(a, b\\)"):
        read_answers(path)


def test_mixed_models_answering_the_same_questions_are_rejected(tmp_path):
    # Two models' files joined together: the second model's rows look like duplicates.
    path = _write(tmp_path / "joined.jsonl", [
        _fastchat(1, "a1", model="a"), _fastchat(2, "a2", model="a"),
        _fastchat(1, "b1", model="b"), _fastchat(2, "b2", model="b")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not "duplicated rows": the error says what is wrong
        with pytest.raises(InputError, match="answers from several models \\(a, b\\)"):
            read_answers(path)


@pytest.mark.parametrize("line, expected", [
    ('{"question_id": "q2", "text": ', r":2: not valid JSON"),
    ('["q2", "text"]', r":2: expected an answer object"),
    ('{"text": "no id", "model": "m"}', r":2: field 'question_id'"),
    ('{"question_id": "q2", "model": "m"}', r":2: field 'text': expected a string"),
    ('{"question_id": "q2", "model": "m", "text": 5}', r":2: field 'text': expected a string"),
    ('{"question_id": "q2", "model_id": "m", "choices": []}', r":2: field 'choices': expected"),
    ('{"question_id": "q2", "model_id": "m", "choices": [{"index": 0}]}',
     r":2: field 'choices\[0\].turns': expected a list of strings"),
    ('{"question_id": "q2", "model": "m", "choices": [{"turns": "a string"}]}',
     r":2: field 'choices\[0\].turns': expected a list of strings"),
    ('{"question_id": "q2", "model": "m", "text": "\\ud800 lone"}',
     r":2: field 'text': holds an unpaired surrogate"),
])
def test_bad_lines_name_file_line_and_field(tmp_path, line, expected):
    path = _write(tmp_path / "bad.jsonl", ['{"question_id": "q1", "model": "m", "text": "ok"}', line])
    with pytest.raises(InputError, match=re.escape(str(path)) + expected):
        read_answers(path)


def test_blank_lines_are_skipped_but_counted(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('\n{"question_id": "q1", "model": "m", "text": "ok"}\n\n{broken\n')
    with pytest.raises(InputError, match=r"a\.jsonl:4: not valid JSON"):
        read_answers(path)


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "a.jsonl"
    path.write_text(content)
    with pytest.raises(InputError, match="no answers found"):
        read_answers(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="No such file"):
        read_answers(tmp_path / "nope.jsonl")


def test_bytes_that_are_not_utf8_name_the_line(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"question_id": "q1", "model": "m", "text": "ok"}\n'
                     b'{"question_id": "q2", "model": "m", "text": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"latin1\.jsonl:2: byte 0xe9 at column \d+ is not UTF-8"):
        read_answers(path)
