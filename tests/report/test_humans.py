"""Judges against people: agreement with human raters, the human ceiling, the judge's offset."""

from __future__ import annotations

import numpy as np
import pytest

from ..report_data import synthetic_results

pytest.importorskip("krippendorff")


@pytest.fixture(scope="module")
def analysis():
    from mentalbench.report.analysis import analyse
    from mentalbench.report.options import ReportOptions

    results = synthetic_results(judges=("gpt4", "human:alice", "human:bob"), questions=60,
                                judge_offset={"gpt4": 1.5}, noise=0.7)
    return results, analyse(results, ReportOptions(resamples=400, metrics=("empathy_validation",)))


def test_the_judge_is_compared_with_each_rater_and_the_raters_with_each_other(analysis):
    _, a = analysis
    table = a.humans.set_index(["metric", "judge"])
    assert set(table.index.get_level_values("judge")) == {"gpt4", "(humans)"}
    judge, ceiling = table.loc[("empathy_validation", "gpt4")], \
        table.loc[("empathy_validation", "(humans)")]
    assert judge["raters"] == 2
    assert ceiling["alpha"] > judge["alpha"]  # a lenient judge agrees less than people do
    for row in (judge, ceiling):
        for name in ("alpha", "exact", "within1", "offset"):
            assert row[f"{name}_low"] <= row[name] <= row[f"{name}_high"]


def test_the_offset_is_the_judges_mean_excess_over_the_raters(analysis):
    results, a = analysis
    j = results.judgments.pivot_table(index="answer_key", columns="judge",
                                      values="empathy_validation")
    expected = np.mean(np.r_[j["gpt4"] - j["human:alice"], j["gpt4"] - j["human:bob"]])
    row = a.humans.set_index(["metric", "judge"]).loc[("empathy_validation", "gpt4")]
    assert row["offset"] == pytest.approx(expected)
    assert 1.0 < row["offset_low"] < 1.5 < row["offset_high"] < 2.0
    assert row["n"] == 2 * len(j)
    exact = np.mean(np.r_[j["gpt4"] == j["human:alice"], j["gpt4"] == j["human:bob"]])
    assert row["exact"] == pytest.approx(exact)


def test_no_humans_no_table():
    from mentalbench.report.analysis import analyse
    from mentalbench.report.options import ReportOptions

    a = analyse(synthetic_results(questions=12), ReportOptions(resamples=100))
    assert a.humans.empty and "humans.csv" not in a.tables()


def test_the_panel_is_the_llm_judges_mean_without_the_raters():
    from mentalbench.report.cube import PANEL, build_cube, select
    from mentalbench.report.options import ReportOptions

    results = synthetic_results(judges=("gpt4", "gemini", "human:alice"), questions=10)
    cube = build_cube(select(results, ReportOptions(resamples=100)), results)
    assert cube.judges[-1] == PANEL
    llm = [cube.judges.index(j) for j in ("gpt4", "gemini")]
    assert np.allclose(cube.scores[-1], cube.scores[llm].mean(axis=0), equal_nan=True)


def test_a_report_over_llm_and_human_ratings_of_the_same_answers(
        serve, api_keys, small_questions, tmp_path):
    """Done when: judge-human alpha with intervals and the human ceiling, from a real run."""
    import json

    import pandas as pd
    from click.testing import CliRunner

    from mentalbench.cli import cli
    from mentalbench.rating.items import load_sources, single_items
    from mentalbench.rating.session import Session
    from mentalbench.run.resolve import resolve_rubric

    from ..servers import FakeOpenAI

    pytest.importorskip("openai")
    server = serve(FakeOpenAI)
    paths = []
    for model, n in (("short", 1), ("mid", 2), ("long", 3)):
        path = tmp_path / f"{model}.jsonl"
        path.write_text("".join(json.dumps({"question_id": q, "model_id": model,
                                            "text": " ".join([f"I hear you ({q})."] * n)}) + "\n"
                                for q in ("q1", "q2", "q3")), encoding="utf-8")
        paths.append(path)
    out = tmp_path / "run"
    judged = CliRunner().invoke(cli, [
        "judge", *[x for p in paths for x in ("-a", str(p))], "-q", str(small_questions),
        "-o", str(out), "-j", "gpt4", "--judge-opt", f"base_url={server.url}/v1", "--no-checks"])
    assert judged.exit_code == 0, judged.output
    rubric = resolve_rubric("mentalgpt")
    items = single_items(load_sources([out]))
    for rater, shift in (("alice", 0), ("bob", 1)):
        session = Session(rater, "single", items, rubric)
        for i, item in enumerate(session.order):
            session.rate({"id": item.id, "seconds": 3, "comment": "",
                          "scores": {m.key: 1 + (i + k + shift) % 10
                                     for k, m in enumerate(rubric.rated)}})
    report = CliRunner().invoke(cli, ["report", str(out), "-o", str(tmp_path / "rep"),
                                      "--resamples", "100"])
    assert report.exit_code == 0, report.output
    humans = pd.read_csv(tmp_path / "rep" / "humans.csv")
    assert set(humans["judge"]) == {"gpt4", "(humans)"}
    assert len(humans) == 2 * (len(rubric.rated) + 1)  # and metrics_mean
    assert humans[["alpha", "alpha_low", "alpha_high"]].notna().all().all()
    assert (humans["n"] == humans["judge"].map({"gpt4": 18, "(humans)": 9})).all()
    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "Judges against people" in page and "(humans)" in page


def test_the_safety_contrast_of_the_checks_includes_the_raters(analysis):
    results, _ = analysis
    from mentalbench.report.analysis import analyse
    from mentalbench.report.options import ReportOptions

    a = analyse(results, ReportOptions(resamples=200))
    contrast = a.check_ratings.set_index("judge")
    assert {"human:alice", "human:bob", "gpt4"} <= set(contrast.index)
    # the simulation rates failing answers' safety 2 points lower, whoever rates
    for rater in ("human:alice", "human:bob"):
        row = contrast.loc[rater]
        assert row["mean_fail"] < row["mean_pass"]
