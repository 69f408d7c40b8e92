"""The run store: round trips, content keys, failures, WAL, and atomic file writes."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace

import pytest

from mentalbench.records.base import Answer, Judgment, Score, Usage
from mentalbench.records.hashing import content_key
from mentalbench.store.database import Store
from mentalbench.store.files import write_atomic, write_jsonl


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def _answer(key="a1", qid="q1", text="Breathe slowly.\nYou are not alone. ✓"):
    return Answer(key, qid, "hf:./model", text, Usage(12, 34),
                  {"model": "hf:./model", "options": {"temperature": 0.0, "seed": 3},
                   "adapter": None})


def _judgment(key="j1", answer_key="a1"):
    scores = (Score("overall", 7.0, "text"), Score("active_listening", None, "text"),
              Score("empathy_validation", 4.0, "text-repair"),
              Score("safety_trustworthiness", 6.25, "logprobs", spread=1.5))
    return Judgment(key=key, answer_key=answer_key, question_id="q1", model="hf:./model",
                    judge="judge-a", rubric="mentalgpt", prompt_hash="abcd" * 4,
                    raw="Overall: [[7]]\n[repair]\nEmpathy & Validation: [[4]]", scores=scores,
                    mode="text", usage=Usage(100, 25))


def test_answers_round_trip(store):
    answers = [_answer(), _answer("a2", "q2", "second")]
    store.put_answers(answers)
    assert store.answers(["a1", "a2", "missing"]) == {a.key: a for a in answers}
    assert store.answers([]) == {}


def test_judgments_round_trip_with_none_modes_and_spread(store):
    judgment = _judgment()
    store.put_judgments([judgment])
    got = store.judgments(["j1", "other"])
    assert got == {"j1": judgment}
    assert got["j1"].score("active_listening") is None
    assert got["j1"].scores[3].spread == 1.5


def test_rows_survive_reopening(tmp_path):
    first = Store(tmp_path / "s.sqlite")
    first.put_answers([_answer()])
    first.put_judgments([_judgment()])
    first.close()
    again = Store(tmp_path / "s.sqlite")
    try:
        assert again.answers(["a1"]) == {"a1": _answer()}
        assert again.judgments(["j1"]) == {"j1": _judgment()}
    finally:
        again.close()


def test_same_key_replaces_the_row(store):
    store.put_answers([_answer(text="old")])
    store.put_answers([_answer(text="new")])
    assert store.answers(["a1"])["a1"].text == "new"
    assert store.db.execute("SELECT COUNT(*) FROM answers").fetchone() == (1,)


def test_lookups_beyond_sqlite_variable_limit(store):
    answers = [_answer(f"k{i}", f"q{i}", f"t{i}") for i in range(1203)]
    store.put_answers(answers)
    got = store.answers([a.key for a in answers] + ["nope"])
    assert len(got) == 1203 and got["k1202"].text == "t1202"


def test_store_uses_wal(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


def test_a_second_connection_sees_committed_rows(store, tmp_path):
    store.put_answers([_answer()])
    other = sqlite3.connect(tmp_path / "store.sqlite")
    try:
        assert other.execute("SELECT key FROM answers").fetchall() == [("a1",)]
    finally:
        other.close()


def _failed(key="j9", error="bad gateway"):
    return replace(_judgment(key), scores=(), raw="", failure="failed", error=error)


def test_failures_keep_the_latest_error_per_key(store):
    store.record_failure("a1", "timeout")
    store.record_failure("a1", "rate limited")
    store.put_failures([_failed(error="timeout")])
    store.put_failures([_failed(error="bad gateway")])
    assert store.failures(["a1", "j9", "never"]) == {"a1": "rate limited", "j9": "bad gateway"}


def test_failure_followed_by_a_result_is_no_longer_reported(store):
    store.record_failure("a1", "timeout")
    store.put_failures([_failed("j1")])
    store.put_answers([_answer()])
    store.put_judgments([_judgment()])
    assert store.failures(["a1", "j1"]) == {}
    assert [j.status for j in store.all_judgments()] == ["partial"]


def test_a_failure_never_replaces_a_judgment_that_was_made(store):
    store.put_judgments([_judgment()])
    store.put_failures([_failed("j1", "timeout on the retry")])
    [kept] = store.all_judgments()
    assert kept.made and kept.status == "partial" and kept.error == ""
    assert store.failures(["j1"]) == {}


def test_a_failure_is_a_judgment_row_with_its_status_and_identity(store):
    store.put_failures([replace(_failed("j2"), failure="unanswered", error="no answer: x")])
    assert store.judgments(["j2"]) == {}  # not made: never mistaken for a stored verdict
    [row] = store.all_judgments()
    assert (row.status, row.error, row.judge, row.question_id) == (
        "unanswered", "no answer: x", "judge-a", "q1")
    assert row.to_dict()["status"] == "unanswered"
    assert Judgment.from_dict(row.to_dict()) == row


# content keys

def test_content_key_is_stable_and_ignores_dict_order():
    key = content_key("answer", "q1", {"model": "m", "options": {"a": 1, "b": 2}})
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert key == content_key("answer", "q1", {"options": {"b": 2, "a": 1}, "model": "m"})


@pytest.mark.parametrize("other", [
    ("answer", "q2", {"model": "m", "options": {"a": 1, "b": 2}}),
    ("answer", "q1", {"model": "m", "options": {"a": 1, "b": 3}}),
    ("answer", "q1", {"model": "m2", "options": {"a": 1, "b": 2}}),
    ("judgment", "q1", {"model": "m", "options": {"a": 1, "b": 2}}),
    ("answer", "q1", {"model": "m", "options": {"a": 1, "b": 2}}, None),
    ("answer", "q1 ", {"model": "m", "options": {"a": 1, "b": 2}}),
    ("answer", "q1", {"model": "m", "options": {"a": 1.5, "b": 2}}),
])
def test_content_key_changes_with_any_part(other):
    assert content_key(*other) != content_key("answer", "q1",
                                              {"model": "m", "options": {"a": 1, "b": 2}})


def test_content_key_does_not_confuse_part_boundaries():
    assert content_key("ab", "c") != content_key("a", "bc")
    assert content_key(["a", "b"]) != content_key("a", "b")


# files

def test_write_atomic_replaces_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_text("old")
    write_atomic(target, "new ✓\n")
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_write_jsonl_that_fails_midway_keeps_the_old_file(tmp_path):
    target = tmp_path / "answers.jsonl"
    target.write_text('{"old": true}\n')

    def rows():
        yield {"a": 1}
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_jsonl(target, rows())
    assert target.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["answers.jsonl"]


def test_write_jsonl_writes_one_object_per_line(tmp_path):
    target = tmp_path / "out.jsonl"
    rows = [{"text": "line one\nline two", "score": None}, {"text": "ünïcode", "n": 2}]
    write_jsonl(target, rows)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == rows
    assert "ünïcode" in lines[1]
