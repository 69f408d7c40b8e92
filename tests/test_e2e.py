"""End to end on the embedded model: run, resume, judge existing answers, merge leaderboards."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli

pytestmark = pytest.mark.slow

QUICK = ["--model-opt", "max_new_tokens=24", "--limit", "2"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("e2e") / "run"
    args = ["run", "--model", "smollm2", "--judge", "smollm2", "--out", str(out), *QUICK]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return args, out, result


def test_run_on_the_embedded_model(first_run):
    _, out, result = first_run
    assert result.exit_code == 0, result.output
    answers = [json.loads(x) for x in (out / "answers.jsonl").read_text().splitlines()]
    assert [a["question_id"] for a in answers] == ["mb-001", "mb-002"]
    assert all(a["text"].strip() and a["usage"]["completion_tokens"] <= 24 for a in answers)
    assert answers[0]["provenance"]["weights"] != answers[0]["provenance"]["chat_template"]
    # The locked transformers is inside the static engine's window: no fallback, and the
    # answer set's identity names the engine that decoded it.
    assert "decodes with transformers' generate" not in result.output
    assert {a["provenance"]["engine"] for a in answers} == {"static"}
    judgments = [json.loads(x) for x in (out / "judgments.jsonl").read_text().splitlines()]
    assert len(judgments) == 2 and all(j["mode"] == "logprobs" for j in judgments)
    for j in judgments:
        assert all(1 <= v <= 10 for v in j["scores"].values())
    row = (out / "leaderboard.csv").read_text().splitlines()[1]
    assert row.startswith("smollm2,smollm2,smollm2,mentalgpt,mentalbench-200,200,2,2,True,")


def test_rerun_generates_and_judges_nothing(first_run, monkeypatch):
    from mentalbench.backends.hf.model import HFModel

    args, out, _ = first_run
    before = (out / "judgments.jsonl").read_text()

    def no_model_work(self, *args, **kwargs):
        raise AssertionError("a finished run asked the model again")

    for method in ("generate", "score_choices"):
        monkeypatch.setattr(HFModel, method, no_model_work)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "answers: 2 (0 new); judgments: 2 of 2 scored (0 made this run," in result.output
    assert (out / "judgments.jsonl").read_text() == before


def test_judge_and_merge(first_run, tmp_path):
    _, out, _ = first_run
    judged = tmp_path / "judged"
    result = CliRunner().invoke(cli, ["judge", "--answers", str(out / "answers.jsonl"),
                                      "--judge", "smollm2", "--out", str(judged)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # Same answers, same judge, same rubric: the scores agree with the original run's.
    original = {j["question_id"]: j["scores"] for j in map(json.loads, (out / "judgments.jsonl")
                                                          .read_text().splitlines())}
    again = {j["question_id"]: j["scores"] for j in map(json.loads, (judged / "judgments.jsonl")
                                                       .read_text().splitlines())}
    assert again.keys() == original.keys()
    for qid in original:
        assert again[qid] == pytest.approx(original[qid], abs=1e-3)
    merged = CliRunner().invoke(cli, ["leaderboard", str(out), str(judged)])
    assert merged.exit_code == 0
    assert "smollm2" in merged.output
