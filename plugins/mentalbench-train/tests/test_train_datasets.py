"""Loading training data: every accepted shape, and a file:line error for every kind of bad row."""

from __future__ import annotations

import json

import pytest
from mentalbench_train import check_examples, load_examples

from mentalbench.errors import InputError


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_data_pipeline_rows_load_as_they_are(alpaca_file):
    examples = load_examples(alpaca_file)
    assert len(examples) == 24
    first = examples[0]
    assert first.shape == "instruction"
    assert [m["role"] for m in first.messages] == ["user", "assistant"]
    assert first.source == f"{alpaca_file}:1"


def test_instruction_with_input_makes_the_instruction_the_system_message(tmp_path):
    path = _write(tmp_path, "mc.jsonl", json.dumps(
        {"instruction": "You are a counselor.", "input": "I feel low.", "output": "I hear you."}))
    (ex,) = load_examples(path)
    assert ex.messages == ({"role": "system", "content": "You are a counselor."},
                           {"role": "user", "content": "I feel low."},
                           {"role": "assistant", "content": "I hear you."})


def test_patient_counselor_csv_with_a_multiline_cell(tmp_path):
    path = _write(tmp_path, "pairs.csv",
                  'Patient,Counselor\n"I worry,\nall day.",Let us talk.\n,\nI am sad.,I am here.\n')
    examples = load_examples(path)
    assert [e.messages[0]["content"] for e in examples] == ["I worry,\nall day.", "I am sad."]
    assert [e.source.rsplit(":", 1)[1] for e in examples] == ["2", "5"]
    assert examples[0].shape == "pair"


def test_chat_messages_and_json_arrays(tmp_path):
    chat = {"messages": [{"role": "system", "content": "Be kind."},
                         {"role": "user", "content": "Hi"},
                         {"role": "assistant", "content": "Hello"},
                         {"role": "user", "content": "I am tired."},
                         {"role": "assistant", "content": "Rest matters."}]}
    path = _write(tmp_path, "chat.jsonl", json.dumps(chat) + "\n")
    (ex,) = load_examples(path)
    assert ex.shape == "messages" and len(ex.messages) == 5
    array = _write(tmp_path, "rows.json", '[\n  {"instruction": "a", "output": "b"},\n\n'
                   '  {"instruction": "c", "output": ""}\n]\n')
    with pytest.raises(InputError, match=r"rows\.json:4: field 'output' is empty"):
        load_examples(array)


@pytest.mark.parametrize("name, text, message", [
    ("a.jsonl", '{"instruction": "q", "output": "a"}\n{"instruction": "q", "output": \n',
     r"a\.jsonl:2: not valid JSON"),
    ("a.jsonl", '\n{"instruction": "q"}\n', r"a\.jsonl:2: field 'output' is empty: expected text"),
    ("a.jsonl", '{"question": "q", "answer": "a"}\n',
     r"a\.jsonl:1: expected fields instruction\+output, patient\+counselor, or messages; "
     r"found answer, question"),
    ("a.jsonl", '{"instruction": "q", "output": 3}\n', r"a\.jsonl:1: field 'output' is int"),
    ("a.jsonl", '[1, 2]\n', r"a\.jsonl:1: expected an object"),
    ("a.jsonl", '{"messages": [{"role": "user", "content": "hi"}]}\n',
     r"a\.jsonl:1: messages\[0\]: the last message must be the assistant's"),
    ("a.jsonl", '{"messages": [{"role": "bot", "content": "hi"}]}\n',
     r"a\.jsonl:1: messages\[0\]\.role 'bot': expected system, user or assistant"),
    ("a.jsonl", '{"messages": [{"role": "user", "content": "a"}, '
                '{"role": "system", "content": "b"}, {"role": "assistant", "content": "c"}]}\n',
     r"messages\[1\]: a system message may only come first"),
    ("p.csv", "patient,counselor\nI am sad.\n", r"p\.csv:2: field 'counselor' is empty"),
    ("p.csv", "patient,counselor\na,b,c\n", r"p\.csv:2: 3 cells, but the header has 2"),
    ("e.jsonl", "\n\n", r"e\.jsonl: no examples"),
    ("d.txt", "hello", r"d\.txt: unknown data format '\.txt'"),
])
def test_bad_rows_name_file_and_line(tmp_path, name, text, message):
    with pytest.raises(InputError, match=message):
        load_examples(_write(tmp_path, name, text))


def test_every_problem_is_counted_in_the_one_line_error(tmp_path):
    path = _write(tmp_path, "a.jsonl", '{"instruction": "q"}\n{"x": 1}\n{"instruction": "q", '
                                       '"output": "a"}\n{"output": "a"}\n')
    examples, problems = check_examples(path)
    assert len(examples) == 1
    assert [p.split(": ")[0] for p in problems] == [f"{path}:1", f"{path}:2", f"{path}:4"]
    with pytest.raises(InputError, match=r"a\.jsonl:1: .*\(and 2 more problems\)$"):
        load_examples(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such data file"):
        load_examples(tmp_path / "nope.jsonl")
