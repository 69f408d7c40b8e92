"""write_report and `mentalbench report`: the files, their columns, atomicity, bad input."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

pytest.importorskip("scipy")
pytest.importorskip("matplotlib")

from mentalbench.cli import cli  # noqa: E402
from mentalbench.errors import InputError, MentalbenchError  # noqa: E402
from mentalbench.report import ReportOptions, metrics_mean_ci, write_report  # noqa: E402

from ..report_data import synthetic_results  # noqa: E402

COLUMNS = {
    "scores.csv": ["model", "judge", "metric", "n", "mean", "sd", "ci_low", "ci_high", "rank",
                   "rank_low", "rank_high", "lc", "lc_low", "lc_high", "median_words"],
    "pairs.csv": ["judge", "metric", "model_a", "model_b", "diff", "ci_low", "ci_high", "p",
                  "p_holm", "effect", "lc_diff", "lc_ci_low", "lc_ci_high", "lc_p", "lc_p_holm"],
    "agreement.csv": ["metric", "judge_a", "judge_b", "n", "alpha_interval", "alpha_low",
                      "alpha_high", "alpha_ordinal", "icc_a1", "icc_c1", "bias", "loa_low",
                      "loa_high", "exact", "within1", "tau_models"],
    "length.csv": ["judge", "metric", "form", "form_share", "reference_words", "lc_fitted_on",
                   "doubling",
                   "doubling_low", "doubling_high", "spearman_means_words"],
    "by_tag.csv": ["tag", "model", "judge", "metric", "n", "mean", "ci_low", "ci_high"],
    "wins.csv": ["model", "judge", "metrics_won", "metrics_lost", "metrics_tied"],
    "checks.csv": ["check", "tag", "model", "n", "pass_rate", "ci_low", "ci_high"],
}
FAST = ReportOptions(resamples=200)


@pytest.fixture(scope="module")
def results():
    return synthetic_results(models=4, questions=20, partial_every=9, length_beta=0.5)


@pytest.fixture(scope="module")
def report(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "report"
    path = write_report(results, out, replace(FAST, baseline="model-00"))
    return out, path


def test_every_file_with_its_columns(report):
    out, path = report
    assert path == out / "report.html"
    for name, columns in COLUMNS.items():
        frame = pd.read_csv(out / name)
        assert set(columns) <= set(frame.columns), name
        assert len(frame), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(p.name for p in out.iterdir())
    assert (manifest["resamples"], manifest["seed"]) == (200, 0)
    assert manifest["question_set"] == {"name": "sim", "sha": "a" * 16, "questions": 20}
    assert [j["served"] for j in manifest["judges"]] == [["gemini-1.0-pro-002"],
                                                         ["gpt-4-turbo-2024-04-09"]]
    assert manifest["judgments"] == {"partial": 17, "scored": 143}
    assert manifest["versions"]["scipy"] != "not installed"


def test_scores_are_consistent(report, results):
    scores = pd.read_csv(report[0] / "scores.csv")
    assert set(scores["judge"]) == {"gemini", "gpt4", "panel"}
    assert set(scores["metric"]) == {*results.metric_keys, "overall", "metrics_mean"}
    assert (scores["ci_low"] <= scores["mean"]).all() and (scores["mean"] <= scores["ci_high"]).all()
    assert ((scores["rank_low"] <= scores["rank"]) & (scores["rank"] <= scores["rank_high"])).all()
    assert (scores["n"] <= 20).all() and (scores["n"] >= 15).all()
    # n counts scored questions: a model's partial rows are left out of its means.
    rows = results.judgments
    gpt4 = rows[(rows["judge"] == "gpt4") & (rows["status"] == "scored")]
    expected = gpt4.groupby("model")["overall"].agg(["mean", "size"])
    got = scores[(scores["judge"] == "gpt4") & (scores["metric"] == "overall")].set_index("model")
    assert np.allclose(got.loc[expected.index, "mean"], expected["mean"], atol=1e-5)
    assert (got.loc[expected.index, "n"] == expected["size"]).all()


def test_pairs_and_wins(report):
    pairs = pd.read_csv(report[0] / "pairs.csv")
    assert len(pairs) == 3 * 9 * 6  # judges x metrics x pairs of 4 models
    assert (pairs["p_holm"] >= pairs["p"] - 1e-12).all()
    wins = pd.read_csv(report[0] / "wins.csv")
    assert set(wins["model"]) == {"model-01", "model-02", "model-03"}
    assert (wins[["metrics_won", "metrics_lost", "metrics_tied"]].sum(axis=1) == 7).all()
    for r in wins.itertuples():
        mine = pairs[(pairs["judge"] == r.judge) & (pairs["model_a"] == "model-00")
                     & (pairs["model_b"] == r.model) & (pairs["p_holm"] < 0.05)
                     & ~pairs["metric"].isin(["overall", "metrics_mean"])]
        assert r.metrics_won == (mine["diff"] < 0).sum()  # diff = baseline - model
        assert r.metrics_lost == (mine["diff"] > 0).sum()


def test_html_is_one_self_contained_file(report):
    html = report[1].read_text()
    assert html.count("<svg") >= 8
    assert "<link" not in html and "@import" not in html
    for attr in re.findall(r'(?:src|href)="([^"#][^"]*)"', html):
        assert attr.startswith("data:"), attr
    assert not re.search(r"url\((?!#|data:)", html)
    assert 'id="drill-data"' in html and "DecompressionStream" in html
    assert "sensitivity analysis" in html


def test_rerun_replaces_the_report_and_a_failure_leaves_the_old_one(results, tmp_path,
                                                                     monkeypatch):
    out = tmp_path / "report"
    write_report(results, out, FAST)
    first = (out / "manifest.json").read_text()
    assert "wins.csv" not in first and not (out / "wins.csv").exists()
    write_report(results, out, replace(FAST, seed=5))
    assert json.loads((out / "manifest.json").read_text())["seed"] == 5

    import mentalbench.report.html as html

    def broken(*args, **kwargs):
        raise RuntimeError("figure failed")
    monkeypatch.setattr(html, "render_html", broken)
    with pytest.raises(RuntimeError):
        write_report(results, out, replace(FAST, seed=9))
    assert json.loads((out / "manifest.json").read_text())["seed"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temp folder left


def test_a_fresh_folder_is_not_half_written_on_error(results, tmp_path, monkeypatch):
    import mentalbench.report.figures as figures

    monkeypatch.setattr(figures, "all_figures", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_report(results, tmp_path / "new", FAST)
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_a_folder_that_is_not_a_report(results, tmp_path):
    (tmp_path / "judgments.jsonl").write_text("{}\n")
    with pytest.raises(InputError, match="not a mentalbench report"):
        write_report(results, tmp_path, FAST)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judgments.jsonl"]


def _two_sets(results):
    other = results.judgments.copy()
    other["question_set"], other["question_set_sha"] = "other", "c" * 16
    return replace(results, judgments=pd.concat([results.judgments, other]))


@pytest.mark.parametrize("options, message", [
    (ReportOptions(judges=("claude",)), r"^--judge claude: not in the runs \(found: gemini, gpt4\)$"),
    (ReportOptions(metrics=("warmth",)), r"^--metric warmth: not a metric of rubric mentalgpt"),
    (ReportOptions(baseline="model-99"), r"^--baseline model-99: not a model in the runs"),
    (ReportOptions(length_reference=("model-00", "model-9")),
     r"^--length-reference model-9: not a model in the runs \(did you mean 'model-03'"),
    (ReportOptions(question_set="nope"), r"^--question-set nope: not in the runs"),
])
def test_bad_options_are_one_line_errors(results, tmp_path, options, message):
    with pytest.raises(InputError, match=message):
        write_report(results, tmp_path / "r", replace(options, resamples=200))
    assert not (tmp_path / "r").exists()


def test_question_sets_are_not_mixed_unless_one_is_picked(results, tmp_path):
    mixed = _two_sets(results)
    with pytest.raises(InputError, match=r"^the runs hold 2 question sets \(other, sim\): "
                                         r"pick one with --question-set NAME$"):
        write_report(mixed, tmp_path / "r", FAST)
    write_report(mixed, tmp_path / "r", replace(FAST, question_set="other"))
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["question_set"]["name"] == "other"


def test_too_few_resamples_is_refused():
    with pytest.raises(InputError, match="resamples: expected at least 100, got 10"):
        ReportOptions(resamples=10)


@pytest.mark.parametrize("reference, message", [
    (("model-00",), "--length-reference: expected at least two models"),
    (("model-00", "model-01", "model-00"), "--length-reference: a model is named twice")])
def test_length_reference_needs_two_distinct_models(reference, message):
    with pytest.raises(InputError, match=message):
        ReportOptions(length_reference=reference)


def test_one_judge_and_one_metric(results, tmp_path):
    write_report(results, tmp_path / "r", replace(FAST, judges=("gpt4",), metrics=("overall",)))
    scores = pd.read_csv(tmp_path / "r" / "scores.csv")
    assert set(scores["judge"]) == {"gpt4"} and set(scores["metric"]) == {"overall"}
    assert pd.read_csv(tmp_path / "r" / "agreement.csv").empty
    assert "One judge only" in (tmp_path / "r" / "report.html").read_text()


def test_no_checks_is_said_on_the_page(results, tmp_path):
    bare = replace(results, checks=results.checks.iloc[0:0])
    write_report(bare, tmp_path / "r", FAST)
    assert pd.read_csv(tmp_path / "r" / "checks.csv").empty
    assert "These runs hold no check results." in (tmp_path / "r" / "report.html").read_text()


def test_judgments_alone_are_enough(results, tmp_path):
    bare = replace(results, answers=pd.DataFrame(), questions=pd.DataFrame(),
                   checks=pd.DataFrame())
    write_report(bare, tmp_path / "r", FAST)
    scores = pd.read_csv(tmp_path / "r" / "scores.csv")
    assert (scores["n"] >= 15).all()
    assert pd.read_csv(tmp_path / "r" / "by_tag.csv").empty  # no tags or topics known


def test_metrics_mean_ci_for_the_leaderboard(results):
    table = metrics_mean_ci(_two_sets(results), resamples=300, seed=1)
    assert list(table.columns) == ["model", "judge", "rubric", "question_set", "n", "mean",
                                   "ci_low", "ci_high"]
    assert len(table) == 2 * 2 * 4  # question sets x judges x models
    scored = results.judgments[results.judgments["status"] == "scored"]
    keys = list(results.metric_keys)
    expected = scored.assign(m=scored[keys].mean(axis=1)).groupby(["model", "judge"])["m"].mean()
    sim = table[table["question_set"] == "sim"].set_index(["model", "judge"])
    assert np.allclose(sim.loc[expected.index, "mean"], expected)
    assert ((sim["ci_low"] < sim["mean"]) & (sim["mean"] < sim["ci_high"])).all()


def test_command_line(results, tmp_path, monkeypatch):
    import mentalbench.results.tables

    seen = []
    monkeypatch.setattr(mentalbench.results.tables, "load_results",
                        lambda dirs: seen.append(dirs) or results)
    run = tmp_path / "run"
    run.mkdir()
    out = tmp_path / "rep"
    result = CliRunner().invoke(cli, ["report", str(run), "--out", str(out), "--resamples",
                                      "200", "--baseline", "model-01", "--judge", "gpt4",
                                      "--metric", "empathy_validation", "--seed", "3",
                                      "--length-reference", "model-00",
                                      "--length-reference", "model-02"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Report: {out / 'report.html'}\n"
    assert seen == [[run]]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["options"] == {"resamples": 200, "seed": 3, "baseline": "model-01",
                                   "length_reference": ["model-00", "model-02"],
                                   "judges": ["gpt4"], "metrics": ["empathy_validation"],
                                   "question_set": None, "rubric": None}
    length = pd.read_csv(out / "length.csv")
    assert set(length["lc_fitted_on"]) == {"model-00+model-02"}
    bad = CliRunner().invoke(cli, ["report", str(run), "--out", str(tmp_path / "x"),
                                   "--resamples", "200", "--metric", "warmth"])
    assert bad.exit_code == 2
    assert bad.output.startswith("Error: --metric warmth: not a metric of rubric mentalgpt")
    assert len(bad.output.splitlines()) == 1


def test_missing_library_names_the_extra(monkeypatch, results, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pingouin" else real(name, *a))
    with pytest.raises(MentalbenchError, match=re.escape("pip install 'mentalbench[report]'")):
        write_report(results, tmp_path / "r", FAST)
