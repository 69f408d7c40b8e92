"""A store written by schema 2 (judgments and failures in two tables) opens, exports and resumes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.store import Store

from . import scripted as scripted_module

FIXTURE = Path(__file__).parent / "fixtures" / "store_v2"
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
