"""The store's schema version and migrations: a store written by schema 1 opens, exports and
resumes; newer stores and broken files are refused with one line; readers never write."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.errors import InputError
from mentalbench.store.database import Store
from mentalbench.store.schema import SCHEMA_VERSION

from .. import scripted as scripted_module

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store_v1"


@pytest.fixture
def v1(tmp_path):
    """A copy of the schema-1 run directory and its inputs."""
    target = tmp_path / "v1"
    shutil.copytree(FIXTURE, target)
    return target


def _version(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT version FROM schema_version").fetchone()[0]
    finally:
        db.close()


def test_a_new_store_records_its_schema_version(tmp_path):
    Store(tmp_path / "s.sqlite").close()
    assert _version(tmp_path / "s.sqlite") == SCHEMA_VERSION


def test_a_schema_1_store_is_migrated_in_place_keeping_every_row(v1):
    old = sqlite3.connect(v1 / "run" / "store.sqlite")
    counts = {t: old.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("answers", "judgments")}
    old.close()
    store = Store(v1 / "run" / "store.sqlite")
    assert len(store.all_answers()) == counts["answers"] == 3
    judgments = store.all_judgments()
    assert len(judgments) == counts["judgments"] == 5
    assert {j.status for j in judgments} == {"scored"}
    assert {j.judge_model for j in judgments} == {""}  # not recorded then: left to adopt
    [history] = store.invocations()
    assert history["migrated_from_schema"] == 1
    store.close()
    assert _version(v1 / "run" / "store.sqlite") == SCHEMA_VERSION


def test_reading_an_old_store_never_writes_to_it(v1):
    path = v1 / "run" / "store.sqlite"
    before = path.read_bytes()
    store = Store.readonly(path)
    assert len(store.all_judgments()) == 5
    store.close()
    assert path.read_bytes() == before


def test_leaderboard_reads_a_schema_1_directory(v1):
    result = CliRunner().invoke(cli, ["leaderboard", str(v1 / "run"), "-o", "-",
                                      "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    # Both answer sets are there, not only the last command's (the schema-1 export's bug).
    assert sorted(r.split(",")[0] for r in rows[1:]) == ["elsewhere", "scripted"]


def test_a_schema_1_directory_resumes_without_new_work_and_adopts_identities(scripted, v1,
                                                                           monkeypatch):
    monkeypatch.chdir(v1)
    scripted_module.ScriptedModel.calls.clear()
    run = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q", "questions.jsonl",
                                   "--rubric", "rubric", "-o", "run"])
    assert run.exit_code == 0, run.output
    judge = CliRunner().invoke(cli, ["judge", "--answers", "external.jsonl", "-j", "sj", "-q",
                                     "questions.jsonl", "--rubric", "rubric", "-o", "run"])
    assert judge.exit_code == 0, judge.output
    assert scripted_module.ScriptedModel.calls == []  # every answer and judgment was found
    rows = [json.loads(x) for x in (v1 / "run" / "judgments.jsonl").read_text().splitlines()]
    assert len(rows) == 5 and {r["status"] for r in rows} == {"scored"}
    assert {r["judge_model"] for r in rows} == {"scripted-judge"}
    assert {r["question_set"] for r in rows} == {"questions"}
    assert all(r["answer_set"] for r in rows)
    board = (v1 / "run" / "leaderboard.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in board[1:]] == ["scripted", "elsewhere"]
    manifest = json.loads((v1 / "run" / "manifest.json").read_text())
    assert [i.get("exit_status") for i in manifest["invocations"]] == [None, 0, 0]


def test_a_store_from_a_newer_mentalbench_is_refused(tmp_path):
    Store(tmp_path / "s.sqlite").close()
    db = sqlite3.connect(tmp_path / "s.sqlite")
    db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(InputError, match=f"schema {SCHEMA_VERSION + 1} is newer"):
        Store(tmp_path / "s.sqlite")


def test_a_corrupt_store_is_one_line(tmp_path):
    (tmp_path / "store.sqlite").write_bytes(b"this is not a database, just bytes" * 100)
    with pytest.raises(InputError, match="not a usable mentalbench store"):
        Store(tmp_path / "store.sqlite")
    with pytest.raises(InputError, match="not a usable mentalbench store"):
        Store.readonly(tmp_path / "store.sqlite")


def test_a_failing_migration_leaves_the_old_store_untouched(v1, monkeypatch):
    from mentalbench.store import schema as store_schema

    def broken(db):
        db.execute("ALTER TABLE answers RENAME TO answers_v1")
        raise RuntimeError("disk trouble half-way")

    monkeypatch.setitem(store_schema.MIGRATIONS, 1, broken)
    path = v1 / "run" / "store.sqlite"
    with pytest.raises(RuntimeError):
        Store(path)
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert tables == {"answers", "judgments", "failures"}
