"""The judgment identity is declared once: store columns, results, the same-judgment key, the
leaderboard's grouping and the report's judge labels all follow its fields."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from mentalbench.records import identity
from mentalbench.records.base import Judgment
from mentalbench.records.identity import JUDGMENT_FIELDS, JudgmentIdentity
from mentalbench.results import leaderboard
from mentalbench.results import tables as results
from mentalbench.store import schema as store_schema
from mentalbench.store.database import Store
from mentalbench.store.schema import JUDGMENTS

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = Path(__file__).parent.parent / "fixtures" / "store_v2"

NEW_FIELD = '    judge_temperature: str = ""  # added by the test\n'
NEW_MIGRATION = '''
def _v3_to_v4(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE judgments ADD COLUMN judge_temperature TEXT NOT NULL DEFAULT ''")


'''
PROBE = """
import dataclasses, json, sys
from pathlib import Path
from mentalbench.results.leaderboard import leaderboard
from mentalbench.results.tables import load_results
from mentalbench.store.database import Store

run = Path(sys.argv[1])
store = Store(run / "store.sqlite")  # schema 3 -> 4 by the added migration
warm = [dataclasses.replace(j, key=j.key + ":warm", judge_temperature="0.7")
        for j in store.all_judgments() if j.model == "scripted"]
store.put_judgments(warm)
store.close()
res = load_results([run])
board = leaderboard(res)
rows = board[board["model"] == "scripted"]
print(json.dumps({"rows": rows[["judge_temperature", "n_scored"]].values.tolist(),
                  "labels": sorted(set(res.judgments["judge_label"]))}))
"""


def test_every_identity_field_is_a_judgment_field_column_and_leaderboard_key():
    names = [f.name for f in fields(JudgmentIdentity)]
    assert list(JUDGMENT_FIELDS) == names
    assert set(names) <= {f.name for f in fields(Judgment)}
    assert set(names) <= set(JUDGMENTS.names)
    assert set(names) <= set(results.JUDGMENT_COLUMNS)
    assert set(results.SAME_JUDGMENT) == {"model_label", *names} - {"model"}
    assert set(leaderboard.IDENTITY) == set(names) - {"question_id", "sample"}
    assert "judge_model_served" not in leaderboard.IDENTITY  # provenance: never splits a row


def _in_package(module) -> Path:
    return Path(module.__file__).resolve().relative_to(ROOT / "mentalbench")


def _edit(path: Path, before: str, after: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(before) == 1, (path, before)
    path.write_text(text.replace(before, after), encoding="utf-8")


def test_a_new_identity_field_is_one_declaration_and_one_migration(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(FIXTURE / "run", run)
    Store(run / "store.sqlite").close()  # today's code: schema 3
    package = tmp_path / "src" / "mentalbench"
    shutil.copytree(ROOT / "mentalbench", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    # The whole change: one field in the declaration, one migration that adds its column.
    declaration, migrations = (package / _in_package(m) for m in (identity, store_schema))
    _edit(declaration, '    question_set_sha: str = ""\n', '    question_set_sha: str = ""\n' + NEW_FIELD)
    _edit(migrations, "\n#: MIGRATIONS[n] takes", NEW_MIGRATION + "#: MIGRATIONS[n] takes")
    _edit(migrations, "2: _v2_to_v3}", "2: _v2_to_v3, 3: _v3_to_v4}")
    env = {**os.environ, "PYTHONPATH": str(package.parent)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(run)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    # Same model, judge and questions: kept apart on the new field alone, each over 3 questions.
    assert sorted(out["rows"]) == [["", 3], ["0.7", 3]]
    assert "scripted-judge/0.7" in out["labels"]


def test_a_served_name_that_changes_in_a_run_is_warned_once_and_stays_one_row(scripted,
                                                                             small_questions,
                                                                             tmp_path,
                                                                             monkeypatch):
    from click.testing import CliRunner

    from mentalbench.cli import cli

    monkeypatch.setattr(scripted.ScriptedModel, "serve_as", ["snap-1", "snap-2", "snap-3"])
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q",
                                      str(small_questions), "-o", str(out)])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if "the API served" in line]
    assert len(warned) == 1 and "snap-1" in warned[0] and "snap-2" in warned[0]
    board = (out / "leaderboard.csv").read_text().splitlines()
    assert len(board) == 2  # one row, not one per served name
    assert '"snap-1, snap-2' in board[1]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["invocations"][-1]["summary"]["served"]["scripted-judge"][:2] == [
        "snap-1", "snap-2"]
