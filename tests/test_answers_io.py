"""Reading answers made elsewhere: mentalbench answers.jsonl and FastChat model_answer files."""

from __future__ import annotations

import json
import re
import warnings

import pytest

from mentalbench.answers_io import read_answers
from mentalbench.errors import InputError


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def _fastchat(qid, text, model="vicuna-7b", second_turn="And then?"):
    return {"question_id": qid, "answer_id": f"id{qid}", "model_id": model,
            "choices": [{"index": 0, "turns": [text, second_turn]}], "tstamp": 1.0}


def test_native_answers_file(tmp_path):
    path = _write(tmp_path / "answers.jsonl", [
        {"key": "k1", "question_id": "q1", "model": "smollm2", "text": "Try breathing slowly.",
         "usage": {"prompt_tokens": 3, "completion_tokens": 4}, "provenance": {}},
        {"question_id": 2, "model": "smollm2", "text": ""},
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        answers = read_answers(path)
    assert list(answers) == ["q1", "2"]
    assert [(a.question_id, a.model, a.text) for a in answers.values()] == [
        ("q1", "smollm2", "Try breathing slowly."), ("2", "smollm2", "")]
    assert answers["q1"].provenance == {"source": str(path)}


def test_fastchat_model_answer_takes_the_first_turn(tmp_path):
    path = _write(tmp_path / "vicuna.jsonl", [_fastchat(81, "First answer."),
                                             _fastchat(82, "Second answer.")])
    answers = read_answers(path)
    assert [(a.question_id, a.model, a.text) for a in answers.values()] == [
        ("81", "vicuna-7b", "First answer."), ("82", "vicuna-7b", "Second answer.")]


def test_model_name_can_be_given(tmp_path):
    path = _write(tmp_path / "a.jsonl", [{"question_id": "q1", "text": "hi"},
                                         _fastchat("q2", "hello", model="other")])
    answers = read_answers(path, model="mine")
    assert {a.model for a in answers.values()} == {"mine"}


def test_keys_follow_model_question_and_text(tmp_path):
    def key(model="m", qid="q1", text="hi"):
        path = _write(tmp_path / "a.jsonl", [{"question_id": qid, "model": model, "text": text}])
        return read_answers(path)[qid].key

    assert key() == key()
    assert len({key(), key(model="n"), key(qid="q2"), key(text="hi!")}) == 4


def test_duplicated_question_rows_are_judged_once_with_a_warning(tmp_path):
    path = _write(tmp_path / "dupes.jsonl", [
        _fastchat(1, "first"), _fastchat(2, "other"), _fastchat(1, "second"), _fastchat(1, "third"),
    ])
    with pytest.warns(UserWarning, match=r"dupes\.jsonl: 2 duplicated question rows ignored"):
        answers = read_answers(path)
    assert {qid: a.text for qid, a in answers.items()} == {"1": "first", "2": "other"}


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
    ('["q2", "text"]', r":2: field 'question_id': expected an answer object"),
    ('{"text": "no id", "model": "m"}', r":2: field 'question_id'"),
    ('{"question_id": "q2", "model": "m"}', r":2: field 'text': expected a string"),
    ('{"question_id": "q2", "model": "m", "text": 5}', r":2: field 'text': expected a string"),
    ('{"question_id": "q2", "text": "t"}', r":2: field 'model': expected a model name"),
    ('{"question_id": "q2", "model_id": "m", "choices": []}', r":2: field 'choices': expected"),
    ('{"question_id": "q2", "model_id": "m", "choices": [{"index": 0}]}',
     r":2: field 'choices': expected"),
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
    with pytest.raises(InputError, match="no such answers file"):
        read_answers(tmp_path / "nope.jsonl")
