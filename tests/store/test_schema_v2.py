"""A store written by schema 2 (judgments and failures in two tables) opens, exports and resumes."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.store.database import Store

from .. import scripted as scripted_module

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store_v2"
FIRST_RUN = ["run", "-m", "scripted", "-j", "sj", "-q", "questions.jsonl", "--rubric", "rubric",
             "-o", "run"]


@pytest.fixture
def v2(tmp_path):
    """A copy of the schema-2 run directory and its inputs."""
    target = tmp_path / "v2"
    shutil.copytree(FIXTURE, target)
    return target


def _statuses(rows):
    out: dict[str, int] = {}
    for r in rows:
        out[r["status"]] = out.get(r["status"], 0) + 1
    return out


def test_a_schema_2_store_opens_with_every_judgment_and_failure(v2):
    store = Store(v2 / "run" / "store.sqlite")
    assert len(store.all_answers()) == 8
    assert len(store.all_judgments()) >= 6
    store.close()
    before = [json.loads(x) for x in (v2 / "run" / "judgments.jsonl").read_text().splitlines()]
    assert _statuses(before) == {"scored": 6, "failed": 1, "empty": 1, "unanswered": 1}


def test_a_schema_2_directory_exports_the_same_rows(scripted, v2):
    before = [json.loads(x) for x in (v2 / "run" / "judgments.jsonl").read_text().splitlines()]
    result = CliRunner().invoke(cli, ["leaderboard", str(v2 / "run"), "-o", "-",
                                      "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert sorted(r.split(",")[0] for r in rows[1:]) == ["broken", "elsewhere", "scripted"]
    old_board = (v2 / "run" / "leaderboard.csv").read_text().splitlines()
    assert len(rows) == len(old_board)
    assert {r["status"] for r in before} == {"scored", "failed", "empty", "unanswered"}


def test_a_schema_2_directory_resumes_with_no_model_call(scripted, v2, monkeypatch):
    monkeypatch.chdir(v2)
    scripted_module.ScriptedModel.calls.clear()
    run = CliRunner().invoke(cli, FIRST_RUN)
    assert run.exit_code == 0, run.output
    assert scripted_module.ScriptedModel.calls == []
    rows = [json.loads(x) for x in (v2 / "run" / "judgments.jsonl").read_text().splitlines()]
    assert _statuses(rows) == {"scored": 6, "failed": 1, "empty": 1, "unanswered": 1}
    failed = [r for r in rows if r["status"] != "scored"]
    assert {(r["model"], r["question_id"], r["status"]) for r in failed} == {
        ("elsewhere", "q1", "failed"), ("elsewhere", "q3", "empty"),
        ("broken", "q2", "unanswered")}
    assert all(r["error"] and r["judge_model"] == "scripted-judge" for r in failed)


def _columns(db, table):
    return [(r[1], r[2], r[3], r[4]) for r in db.execute(f"PRAGMA table_info({table})")]


def test_migration_from_2_makes_failures_judgment_rows_in_one_transaction(v2):
    path = v2 / "run" / "store.sqlite"
    store = Store(path)
    rows = store.all_judgments()
    assert sorted(j.status for j in rows) == ["empty", "failed", *["scored"] * 6, "unanswered"]
    failed = {j.status: j for j in rows if not j.made}
    assert failed["failed"].error == "judge scripted-judge: scripted failure on exam"
    assert (failed["unanswered"].model, failed["unanswered"].question_id) == ("broken", "q2")
    assert all(j.judge_model == "scripted-judge" and j.rubric_sha for j in failed.values())
    [answer_failure] = store.all_failures()
    assert answer_failure.error == "scripted failure on dog"
    store.close()
    migrated = sqlite3.connect(path)
    fresh = sqlite3.connect(v2 / "fresh.sqlite")
    Store(v2 / "fresh.sqlite", db=fresh)
    tables = "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
    assert migrated.execute(tables).fetchall() == fresh.execute(tables).fetchall()
    for (table,) in fresh.execute(tables).fetchall():
        assert sorted(_columns(migrated, table)) == sorted(_columns(fresh, table)), table
    migrated.close()
    fresh.close()


def test_a_failing_step_from_2_leaves_the_store_at_2(v2, monkeypatch):
    from mentalbench.store import schema as store_schema

    def broken(db):
        store_schema._v2_to_v3(db)
        raise RuntimeError("disk trouble half-way")

    monkeypatch.setitem(store_schema.MIGRATIONS, 2, broken)
    path = v2 / "run" / "store.sqlite"
    with pytest.raises(RuntimeError):
        Store(path)
    db = sqlite3.connect(path)
    assert db.execute("SELECT version FROM schema_version").fetchone() == (2,)
    assert db.execute("SELECT count(*) FROM failures").fetchone() == (4,)
    db.close()


def test_a_schema_1_store_goes_through_2_to_today(tmp_path):
    shutil.copytree(FIXTURE.parent / "store_v1", tmp_path / "v1")
    store = Store(tmp_path / "v1" / "run" / "store.sqlite")
    assert [j.status for j in store.all_judgments()] == ["scored"] * 5
    store.close()
