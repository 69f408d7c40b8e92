"""Question sets: the three formats, detection, folding of CounselChat rows, and validation."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from mentalbench.errors import InputError
from mentalbench.inputs.questions import check_questions, detect_format, load_questions


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _csv(path, header, rows):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


COUNSELCHAT = ["questionID", "questionTitle", "questionText", "questionLink", "topic",
               "therapistInfo", "answerText", "upvotes"]


# native JSONL

def test_native_jsonl_loads_every_field(tmp_path):
    path = _jsonl(tmp_path / "set.jsonl", [
        {"id": "a1", "topic": "Anxiety", "text": "  I cannot sleep.  ", "tags": ["sleep", "worry"],
         "source": "handwritten"},
        {"id": 7, "text": "My friend ignores me."},
    ])
    qs = load_questions(path)
    assert qs.format == "native"
    assert qs.name == "set"
    assert [q.id for q in qs.questions] == ["a1", "7"]
    first, second = qs.questions
    assert (first.topic, first.text, first.tags, first.source) == (
        "Anxiety", "I cannot sleep.", ("sleep", "worry"), "handwritten")
    assert (second.topic, second.tags, second.source) == ("", (), "")


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('\n{"id": "a", "text": "one"}\n\n{"id": "b"}\n', encoding="utf-8")
    questions, problems, _ = check_questions(path)
    assert [q.id for q in questions] == ["a"]
    assert problems == [f"{path}:4: field 'text': expected a non-empty string"]


def test_sha256_follows_content(tmp_path):
    path = _jsonl(tmp_path / "q.jsonl", [{"id": "a", "text": "one"}])
    before = load_questions(path).sha256
    assert load_questions(path).sha256 == before
    _jsonl(path, [{"id": "a", "text": "one!"}])
    assert load_questions(path).sha256 != before
    assert re.fullmatch(r"[0-9a-f]{16}", before)


def test_name_can_be_given(tmp_path):
    path = _jsonl(tmp_path / "q.jsonl", [{"id": "a", "text": "one"}])
    assert load_questions(path, name="my-set").name == "my-set"


# FastChat question.jsonl

def test_fastchat_takes_the_first_turn_and_category(tmp_path):
    path = _jsonl(tmp_path / "question.jsonl", [
        {"question_id": 81, "category": "counseling", "turns": ["First turn. ", "Follow-up?"]},
        {"question_id": 82, "category": "stress", "turns": ["Only turn"]},
    ])
    qs = load_questions(path)
    assert qs.format == "fastchat"
    assert [(q.id, q.topic, q.text, q.source) for q in qs.questions] == [
        ("81", "counseling", "First turn.", "fastchat"), ("82", "stress", "Only turn", "fastchat")]


@pytest.mark.parametrize("row, field", [
    ({"category": "x", "turns": ["hi"]}, "question_id"),
    ({"question_id": "", "turns": ["hi"]}, "question_id"),
    ({"question_id": 1, "turns": []}, "turns"),
    ({"question_id": 1, "turns": "hi"}, "turns"),
    ({"question_id": 1, "turns": ["  "]}, "turns"),
    ({"question_id": 1, "turns": [3]}, "turns"),
])
def test_fastchat_problems_name_line_and_field(tmp_path, row, field):
    path = _jsonl(tmp_path / "question.jsonl", [{"question_id": 0, "turns": ["ok"]}, row])
    _, problems, fmt = check_questions(path, "fastchat")
    assert fmt == "fastchat"
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:2: field '{field}': expected")


def test_fastchat_duplicate_names_its_own_id_field(tmp_path):
    path = _jsonl(tmp_path / "question.jsonl", [
        {"question_id": 5, "turns": ["a"]}, {"question_id": 5, "turns": ["b"]}])
    _, problems, _ = check_questions(path)
    assert problems == [f"{path}:2: field 'question_id': duplicate id '5' (first on line 1)"]


# CounselChat CSV

def test_counselchat_rows_fold_into_one_question_each(tmp_path):
    path = _csv(tmp_path / "counselchat.csv", COUNSELCHAT, [
        ["0", "Can't sleep", "I lie awake every night.", "http://x/0", "insomnia", "T1", "A1", "3"],
        ["0", "Can't sleep", "I lie awake every night.", "http://x/0", "insomnia", "T2", "A2", "1"],
        # The same question filed under a second topic is still one question.
        ["0", "Can't sleep", "I lie awake every night.", "http://x/0", "anxiety", "T3", "A3", "0"],
        ["1", "Lonely", "I have no friends at my new school.", "http://x/1", "relationships",
         "T1", "A4", "2"],
    ])
    qs = load_questions(path)
    assert qs.format == "csv"
    assert [(q.id, q.topic, q.text, q.source) for q in qs.questions] == [
        ("0", "insomnia", "Can't sleep\n\nI lie awake every night.", "csv"),
        ("1", "relationships", "Lonely\n\nI have no friends at my new school.", "csv"),
    ]


def test_shared_question_id_with_different_text_stays_distinct(tmp_path):
    path = _csv(tmp_path / "cc.csv", COUNSELCHAT[:5], [
        ["9", "", "My mother is ill.", "", "family"],
        ["9", "", "My mother is ill.", "", "family"],
        ["9", "", "I keep failing my driving test.", "", "stress"],
    ])
    qs = load_questions(path)
    assert [q.text for q in qs.questions] == ["My mother is ill.", "I keep failing my driving test."]
    ids = [q.id for q in qs.questions]
    assert ids[0] == "9" and ids[1] != "9" and ids[1].startswith("9")


def test_title_already_in_body_is_not_repeated_and_title_alone_is_the_text(tmp_path):
    path = _csv(tmp_path / "cc.csv", COUNSELCHAT[:5], [
        ["1", "Panic attacks", "Panic attacks hit me at work. What helps?", "", "anxiety"],
        ["2", "Feeling numb since the move", "", "", "depression"],
    ])
    texts = [q.text for q in load_questions(path).questions]
    assert texts == ["Panic attacks hit me at work. What helps?", "Feeling numb since the move"]


def test_plain_csv_with_text_column_and_no_ids(tmp_path):
    path = _csv(tmp_path / "plain.csv", ["text", "topic"], [["First?", "a"], ["Second?", "b"]])
    qs = load_questions(path)
    assert [(q.id, q.text, q.topic) for q in qs.questions] == [
        ("row-2", "First?", "a"), ("row-3", "Second?", "b")]


def test_csv_without_text_column_is_one_clear_problem(tmp_path):
    path = _csv(tmp_path / "bad.csv", ["questionID", "answerText"], [["1", "an answer"]])
    questions, problems, _ = check_questions(path)
    assert questions == []
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:1: no text column: expected 'questionText'")
    assert "found questionID, answerText" in problems[0]
    with pytest.raises(InputError, match=re.escape(f"{path}:1: no text column")):
        load_questions(path)


def test_csv_problem_names_the_line_where_the_row_starts(tmp_path):
    # Row 1 spans three lines of the file, so the empty row after it starts on line 5.
    path = _csv(tmp_path / "cc.csv", COUNSELCHAT[:5], [
        ["1", "", "line a\nline b\nline c", "", "anxiety"],
        ["2", "", "", "", "depression"],
    ])
    _, problems, _ = check_questions(path)
    assert problems == [f"{path}:5: field 'questionText': expected text"]


# format detection and override

@pytest.mark.parametrize("content, expected", [
    ('{"id": "a", "text": "t"}\n', "native"),
    ('\n\n{"question_id": 1, "turns": ["t"]}\n', "fastchat"),
    ('{"turns": ["t"]}\n', "fastchat"),
    ("questionID,questionText\n1,t\n", "csv"),
    ('{"id": broken\n', "native"),
])
def test_format_is_detected_from_content_not_name(tmp_path, content, expected):
    path = tmp_path / "questions.txt"
    path.write_text(content, encoding="utf-8")
    assert detect_format(path) == expected


def test_format_override_wins_over_detection(tmp_path):
    # A native-looking file read as FastChat: every line lacks question_id.
    path = _jsonl(tmp_path / "q.jsonl", [{"id": "a", "text": "t"}])
    _, problems, fmt = check_questions(path, "fastchat")
    assert fmt == "fastchat"
    assert problems == [f"{path}:1: field 'question_id': expected an id"]
    # A .jsonl name does not stop a CSV from loading as CSV.
    csv_named_jsonl = _csv(tmp_path / "looks.jsonl", ["text"], [["Hello?"]])
    assert load_questions(csv_named_jsonl).format == "csv"


def test_unknown_format_lists_the_known_ones(tmp_path):
    path = _jsonl(tmp_path / "q.jsonl", [{"id": "a", "text": "t"}])
    with pytest.raises(InputError, match="question format 'yaml': expected one of native, "
                                         "fastchat, csv"):
        load_questions(path, "yaml")


# validation problems

@pytest.mark.parametrize("row, field", [
    ({"text": "no id"}, "id"),
    ({"id": "", "text": "empty id"}, "id"),
    ({"id": ["x"], "text": "list id"}, "id"),
    ({"id": "x"}, "text"),
    ({"id": "x", "text": "   "}, "text"),
    ({"id": "x", "text": 5}, "text"),
    ({"id": "x", "text": "t", "tags": "sleep"}, "tags"),
    ({"id": "x", "text": "t", "tags": ["ok", 3]}, "tags"),
    ({"id": "x", "text": "t", "topic": 12}, "topic"),
])
def test_native_problems_name_file_line_and_field(tmp_path, row, field):
    path = _jsonl(tmp_path / "q.jsonl", [{"id": "ok", "text": "fine"}, row])
    questions, problems, _ = check_questions(path)
    assert [q.id for q in questions] == ["ok"]
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:2: field '{field}': expected")


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "text": "fine"}\n'
                    '{"id": "b", "text": \n'
                    '["not", "an", "object"]\n'
                    '{"id": "c"}\n'
                    '{"id": "a", "text": "again"}\n', encoding="utf-8")
    questions, problems, _ = check_questions(path)
    assert [q.id for q in questions] == ["a"]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:{n}" for n in (2, 3, 4, 5)]
    assert "not valid JSON" in problems[0]
    assert "expected a JSON object" in problems[1]
    assert "field 'text'" in problems[2]
    assert problems[3] == f"{path}:5: field 'id': duplicate id 'a' (first on line 1)"


def test_load_raises_the_first_problem_and_counts_the_rest(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c"}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_questions(path)
    assert str(err.value) == (f"{path}:1: field 'text': expected a non-empty string "
                              "(and 2 more problems)")


def test_duplicate_ids_keep_the_first(tmp_path):
    path = _jsonl(tmp_path / "q.jsonl", [
        {"id": "q1", "text": "first"}, {"id": "q2", "text": "x"}, {"id": "q1", "text": "second"}])
    questions, problems, _ = check_questions(path)
    assert [(q.id, q.text) for q in questions] == [("q1", "first"), ("q2", "x")]
    assert problems == [f"{path}:3: field 'id': duplicate id 'q1' (first on line 1)"]


@pytest.mark.parametrize("content", ["", "\n  \n\n"])
def test_empty_file_is_an_error(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"{path}: empty question file")):
        load_questions(path)
    # With the format given there is nothing to detect, and still nothing to load.
    with pytest.raises(InputError, match=re.escape(f"{path}: no questions found")):
        load_questions(path, "native")


def test_header_only_csv_has_no_questions(tmp_path):
    path = _csv(tmp_path / "cc.csv", COUNSELCHAT, [])
    with pytest.raises(InputError, match="no questions found"):
        load_questions(path)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such question file"):
        load_questions(tmp_path / "nope.jsonl")
