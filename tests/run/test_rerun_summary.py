"""A rerun's summary counts only the calls it made; totals over the store are labelled so."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from mentalbench.cli import cli


def test_a_rerun_after_a_kill_counts_its_own_calls(scripted, small_questions, tmp_path):
    out = tmp_path / "run"
    args = ["run", "-m", "scripted", "-j", "sj", "--judge-opt", "mode=text", "-q",
            str(small_questions), "--no-checks", "-o", str(out)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "(3 made this run, 3 judge calls)" in first.stderr
    # A kill -9 after the replies were stored, before their judgments were: the rerun builds
    # the judgments from the stored replies and calls nobody.
    with sqlite3.connect(out / "store.sqlite") as db:
        db.execute("DELETE FROM judgments")
    scripted.ScriptedModel.calls.clear()
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert scripted.ScriptedModel.calls == []
    assert "(3 made this run, 0 judge calls)" in again.stderr
    (spend,) = [line for line in again.stderr.splitlines() if line.startswith("judging (scripted-judge)")]
    assert "this run: 0 calls, 0 prompt + 0 output tokens" in spend
    assert "total stored: 3 results" in spend
