"""`mentalbench report` over real run folders judged by gpt4 and gemini (local protocol servers)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from mentalbench.cli import cli

from ..servers import FakeGemini, FakeOpenAI

pytest.importorskip("openai")
pytest.importorskip("google.genai")
pytest.importorskip("scipy")
pytest.importorskip("matplotlib")

FAST = ["--judge-opt", "backoff=0.001", "--judge-opt", "timeout=2"]


def _ok(args):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_report_over_runs_judged_by_gpt4_and_gemini(api_keys, serve, scripted,
                                                    small_questions, tmp_path):
    openai, gemini = serve(FakeOpenAI), serve(FakeGemini)
    folders = []
    for name in ("alpha", "beta"):
        run = tmp_path / f"{name}-gpt4"
        _ok(["run", "-m", "scripted", "--name", name, "-j", "gpt4", "-q", str(small_questions),
             "-o", str(run), "--judge-opt", f"base_url={openai.url}/v1", *FAST])
        judged = tmp_path / f"{name}-gemini"
        _ok(["judge", "-a", str(run / "answers.jsonl"), "-j", "gemini", "-q",
             str(small_questions), "-o", str(judged), "--judge-opt", f"base_url={gemini.url}",
             "--judge-opt", "model=gemini-3.5-flash", *FAST])
        folders += [run, judged]
    calls = openai.stats.calls + gemini.stats.calls
    out = tmp_path / "report"
    result = _ok(["report", *map(str, folders), "--out", str(out), "--resamples", "200",
                  "--baseline", "alpha"])
    assert result.output == f"Report: {out / 'report.html'}\n"
    assert openai.stats.calls + gemini.stats.calls == calls  # a report calls no API
    for name in ("report.html", "scores.csv", "pairs.csv", "agreement.csv", "length.csv",
                 "by_tag.csv", "wins.csv", "checks.csv", "manifest.json"):
        assert (out / name).is_file(), name
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores["model"]) == {"alpha", "beta"}
    assert set(scores["judge"]) == {"gpt4", "gemini", "panel"}
    assert (scores["n"] == 3).all()
    agreement = pd.read_csv(out / "agreement.csv")
    assert set(zip(agreement["judge_a"], agreement["judge_b"], strict=True)) == {
        ("gemini", "gpt4")}
    manifest = json.loads((out / "manifest.json").read_text())
    assert {j["label"] for j in manifest["judges"]} == {"gpt4", "gemini"}


def test_run_and_judge_write_the_report_when_asked(scripted, small_questions, tmp_path):
    out = tmp_path / "run"
    result = _ok(["run", "-m", "scripted", "-j", "sj", "-q", str(small_questions), "-o",
                  str(out), "--report"])
    assert f"Report: {out / 'report' / 'report.html'}" in result.output
    assert (out / "report" / "scores.csv").is_file()
    again = _ok(["judge", "-a", str(out / "answers.jsonl"), "-j", "scripted", "-q",
                 str(small_questions), "-o", str(out), "--report"])
    scores = pd.read_csv(out / "report" / "scores.csv")
    assert {"scripted-judge", "scripted"} <= set(scores["judge"])
    assert "Report:" in again.output
