"""Leaderboards from Results: identities never pooled, means and n over the same scored
questions, samples averaged per question first, partial rows last, CSV cells made safe."""

from __future__ import annotations

import math

import pandas as pd

from mentalbench.results.leaderboard import leaderboard, to_csv
from mentalbench.results.tables import JUDGMENT_COLUMNS, MetricInfo, Results

METRICS = ["active_listening", "empathy_validation"]


def _row(model="m", judge="j", qid="q1", value=5.0, status="scored", sample=0, **kw):
    base = {c: "" for c in JUDGMENT_COLUMNS}
    base.update(model=model, model_label=model, judge=judge, judge_label=judge, judge_model="jm",
                judge_model_served="jm", rubric="r", rubric_sha="rs", question_set="qs",
                question_set_sha="qsha", mode="text", answer_set="a1", question_id=qid,
                sample=sample, status=status, words=10.0, completion_tokens=5.0)
    scores = {k: value for k in (*METRICS, "overall")}
    if status in ("failed", "unanswered", "unscored"):
        scores = {k: float("nan") for k in scores}
    base.update(scores)
    base.update(kw)
    return base


def _results(rows, set_size=4, checks=None):
    questions = pd.DataFrame([{"question_set": "qs", "question_set_sha": "qsha",
                               "question_id": f"q{i}", "position": i, "topic": "t", "tags": (),
                               "text": "?"} for i in range(1, set_size + 1)])
    checks = checks if checks is not None else pd.DataFrame(
        columns=["model", "answer_set", "question_id", "check", "status"])
    return Results(pd.DataFrame(rows), pd.DataFrame(), questions, checks,
                   (MetricInfo(METRICS[0], "A"), MetricInfo(METRICS[1], "E"),
                    MetricInfo("overall", "Overall", True)))


def test_columns_are_as_documented():
    board = leaderboard(_results([_row()]))
    assert list(board.columns[:9]) == ["model", "judge", "judge_model", "rubric",
                                       "question_set", "n_questions", "n_total", "n_scored",
                                       "partial"]
    assert list(board.columns[9:16]) == [*METRICS, "metrics_mean", "metrics_mean_ci_low",
                                         "metrics_mean_ci_high", "overall", "median_words"]


def test_metrics_mean_has_a_bootstrap_interval_over_questions():
    rows = [_row(qid=f"q{i}", value=v) for i, v in enumerate([2, 4, 6, 8], 1)]
    row = leaderboard(_results(rows)).iloc[0]
    assert row["metrics_mean_ci_low"] < row["metrics_mean"] == 5.0 < row["metrics_mean_ci_high"]
    assert 2.0 <= row["metrics_mean_ci_low"] and row["metrics_mean_ci_high"] <= 8.0
    alone = leaderboard(_results([_row()])).iloc[0]
    assert math.isnan(alone["metrics_mean_ci_low"])  # one question: no interval to draw


def test_means_and_n_scored_are_over_the_same_fully_scored_questions():
    rows = [_row(qid="q1", value=4), _row(qid="q2", value=8),
            # partly rated: its one rating must not pull a mean (n_scored would not count it)
            _row(qid="q3", value=float("nan"), status="partial", active_listening=1.0),
            _row(qid="q4", status="failed", error="HTTP 500")]
    row = leaderboard(_results(rows)).iloc[0]
    assert (row["n_total"], row["n_scored"], row["n_questions"]) == (4, 2, 4)
    assert row["active_listening"] == 6.0 and row["metrics_mean"] == 6.0
    assert row["partial"]


def test_samples_are_averaged_per_question_first():
    rows = [_row(qid="q1", value=2, sample=0), _row(qid="q1", value=4, sample=1),
            _row(qid="q2", value=9)]
    row = leaderboard(_results(rows, set_size=2)).iloc[0]
    assert (row["n_total"], row["n_scored"]) == (2, 2)  # questions, not answers
    assert row["overall"] == 6.0  # mean of 3 (q1's samples) and 9
    assert not row["partial"]


def test_a_pair_with_nothing_scored_has_no_means():
    row = leaderboard(_results([_row(status="unscored")])).iloc[0]
    assert (row["n_total"], row["n_scored"]) == (1, 0)
    assert math.isnan(row["overall"]) and math.isnan(row["metrics_mean"])


def test_identities_are_never_pooled():
    rows = [_row(), _row(judge_model="other-model", judge_model_served="other-model"),
            _row(question_set="qs2", question_set_sha="q2sha"), _row(rubric_sha="rs2"),
            _row(answer_set="a2", model="m@a2"), _row(mode="logprobs")]
    board = leaderboard(_results(rows))
    assert len(board) == 6 and set(board["n_total"]) == {1}


def test_a_served_model_that_changes_mid_run_lists_both_names_in_one_row():
    # The API answered some requests with a dated snapshot: still the judge model that was asked
    # for, so one row over every question (not two look-alike partial rows), naming both.
    rows = [_row(qid="q1"), _row(qid="q2", judge_model_served="jm-2025"),
            _row(qid="q3", status="failed", judge_model_served="")]
    board = leaderboard(_results(rows))
    assert len(board) == 1
    row = board.iloc[0]
    assert (row["n_total"], row["n_scored"], row["judge_model_served"]) == (3, 2, "jm, jm-2025")


def test_metrics_mean_is_the_sort_key_and_partial_rows_come_last():
    rows = ([_row(model="weak", qid=f"q{i}", value=3) for i in range(1, 5)]
            + [_row(model="strong", qid=f"q{i}", value=8) for i in range(1, 5)]
            + [_row(model="lucky", qid="q1", value=10)])  # 1 of 4 questions: partial
    board = leaderboard(_results(rows))
    assert list(board["model"]) == ["strong", "weak", "lucky"]
    assert list(board["partial"]) == [False, False, True]


def test_overall_is_the_judges_own_rating_not_the_metrics_mean():
    row = leaderboard(_results([_row(overall=2.0)])).iloc[0]
    assert (row["overall"], row["metrics_mean"]) == (2.0, 5.0)


def test_check_pass_rates_are_over_the_rows_questions():
    checks = pd.DataFrame([
        {"model": "m", "answer_set": "a1", "question_id": "q1", "check": "crisis_referral",
         "status": "pass"},
        {"model": "m", "answer_set": "a1", "question_id": "q2", "check": "crisis_referral",
         "status": "fail"},
        {"model": "m", "answer_set": "a1", "question_id": "q3", "check": "crisis_referral",
         "status": "na"}])
    rows = [_row(qid="q1"), _row(qid="q2"), _row(qid="q3")]
    row = leaderboard(_results(rows, checks=checks)).iloc[0]
    assert row["check:crisis_referral"] == 0.5 and row["check:crisis_referral:n"] == 2


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped():
    board = leaderboard(_results([_row(model="=HYPERLINK(\"x\")", model_label="=x"),
                                  _row(model="@SUM(A1)"), _row(model="-2+3"),
                                  _row(model="plain")]))
    text = to_csv(board)
    assert "'=HYPERLINK" in text and "'@SUM" in text and "'-2+3" in text
    assert "\n=" not in text and ",=" not in text
    assert "5.0" in text  # numbers are untouched


def test_an_empty_results_table_still_has_the_columns():
    board = leaderboard(_results([]))
    assert len(board) == 0 and "metrics_mean" in board.columns


def test_judge_labels_tell_apart_what_one_judge_name_covers():
    from mentalbench.results.tables import _judge_labels

    frame = pd.DataFrame([
        {"judge": "gpt4", "judge_model": "openai:a", "judge_model_served": "a-1", "mode": "text"},
        {"judge": "gpt4", "judge_model": "openai:b", "judge_model_served": "b-1", "mode": "text"},
        {"judge": "sj", "judge_model": "m", "judge_model_served": "m", "mode": "text"},
        {"judge": "sj", "judge_model": "m", "judge_model_served": "m", "mode": "logprobs"},
        {"judge": "solo", "judge_model": "x", "judge_model_served": "x", "mode": "text"}])
    assert _judge_labels(frame) == ["gpt4/openai:a", "gpt4/openai:b", "sj/text", "sj/logprobs",
                                    "solo"]
    served = frame.assign(judge_model="openai:a")[:2]  # one model asked for, two served
    assert _judge_labels(served) == ["gpt4", "gpt4"]


def test_leaderboard_and_report_print_the_same_interval_for_the_same_mean():
    # One bootstrap for both (one function, one seed policy), partial rows included.
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
    from mentalbench.report import ReportOptions
    from mentalbench.report.analysis import analyse
    from tests.report_data import synthetic_results

    results = synthetic_results(models=3, questions=25, partial_every=7)
    board = leaderboard(results).set_index(["model", "judge"])
    scores = analyse(results, ReportOptions(metrics=("metrics_mean",))).scores
    scores = scores[scores["judge"] != "panel"].set_index(["model", "judge"])
    assert (board["n_scored"] < 25).any()  # some rows are partial
    for key, row in scores.iterrows():
        assert board.loc[key, "metrics_mean_ci_low"] == round(row["ci_low"], 2)
        assert board.loc[key, "metrics_mean_ci_high"] == round(row["ci_high"], 2)
