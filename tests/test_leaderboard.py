"""Leaderboards: means over scored answers, counts, column order, and merging run directories."""

from __future__ import annotations

import json
import math
import re

import pytest

from mentalbench.errors import InputError
from mentalbench.leaderboard import leaderboard, merged_leaderboard, read_judgments

METRICS = ["active_listening", "empathy_validation", "safety_trustworthiness",
           "open_mindedness_non_judgment", "clarity_encouragement", "boundaries_ethical",
           "holistic_approach"]
COLUMNS = ["model", "judge", "n_total", "n_scored", *METRICS, "overall"]
RATED = ["overall", *METRICS]  # the order a rubric rates them in


def _row(model, judge, value, key=None, **overrides):
    scores = {k: value for k in RATED} | overrides
    return {"key": key or f"{model}/{judge}/{value}/{sorted(overrides.items())}",
            "question_id": "q", "model": model, "judge": judge, "scores": scores}


def _unscored(model, judge, key):
    return {"key": key, "model": model, "judge": judge, "scores": {k: None for k in RATED},
            "error": "no answer: timeout"}


def _write_run(path, rows):
    path.mkdir(parents=True, exist_ok=True)
    (path / "judgments.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_columns_are_exactly_as_documented():
    board = leaderboard([_row("m", "j", 5)], RATED)
    assert list(board.columns) == COLUMNS


def test_columns_from_rows_put_overall_last():
    assert list(leaderboard([_row("m", "j", 5)]).columns) == COLUMNS


def test_empty_leaderboard_still_has_the_columns():
    board = leaderboard([], RATED)
    assert list(board.columns) == COLUMNS and len(board) == 0


def test_means_counts_and_unscored_rows():
    rows = [_row("m", "j", 4), _row("m", "j", 8), _unscored("m", "j", "u1"),
            _unscored("m", "j", "u2")]
    board = leaderboard(rows, RATED)
    assert len(board) == 1
    row = board.iloc[0]
    assert (row["model"], row["judge"], row["n_total"], row["n_scored"]) == ("m", "j", 4, 2)
    # Unscored rows count in n_total but never pull a mean down as a zero would.
    assert all(row[k] == 6.0 for k in [*METRICS, "overall"])


def test_a_single_missing_metric_does_not_count_as_zero():
    rows = [_row("m", "j", 8), _row("m", "j", 6, safety_trustworthiness=None)]
    row = leaderboard(rows, RATED).iloc[0]
    assert row["n_total"] == 2 and row["n_scored"] == 1
    assert row["safety_trustworthiness"] == 8.0
    assert row["overall"] == 7.0


def test_a_pair_with_nothing_scored_has_no_means():
    row = leaderboard([_unscored("m", "j", "u1")], RATED).iloc[0]
    assert (row["n_total"], row["n_scored"]) == (1, 0)
    assert all(math.isnan(row[k]) for k in RATED)


def test_means_are_rounded_to_two_places():
    rows = [_row("m", "j", 7), _row("m", "j", 7), _row("m", "j", 8)]
    assert leaderboard(rows, RATED).iloc[0]["overall"] == 7.33


def test_one_row_per_model_and_judge_sorted_by_judge_then_overall():
    rows = [_row("weak", "j1", 3), _row("strong", "j1", 9), _row("weak", "j2", 6),
            _row("strong", "j2", 5), _row("strong", "j2", 8)]
    board = leaderboard(rows, RATED)
    assert list(zip(board["judge"], board["model"], board["overall"], board["n_total"],
                    strict=True)) == [
        ("j1", "strong", 9.0, 1), ("j1", "weak", 3.0, 1),
        ("j2", "strong", 6.5, 2), ("j2", "weak", 6.0, 1)]


def test_csv_header_and_row():
    board = leaderboard([_row("m", "j", 5), _unscored("m", "j", "u")], RATED)
    header, line = board.to_csv(index=False).splitlines()
    assert header == ",".join(COLUMNS)
    assert line == "m,j,2,1," + ",".join(["5.0"] * 8)


# run directories

def test_merged_leaderboard_across_directories(tmp_path):
    a = _write_run(tmp_path / "a", [_row("m1", "j", 4, key="k1"), _row("m1", "j", 6, key="k2")])
    b = _write_run(tmp_path / "b", [_row("m2", "j", 9, key="k3"), _unscored("m2", "j", "k4")])
    board = merged_leaderboard([a, b])
    assert list(board.columns) == COLUMNS
    assert [(r.model, r.n_total, r.n_scored, r.overall) for r in board.itertuples()] == [
        ("m2", 2, 1, 9.0), ("m1", 2, 2, 5.0)]


def test_the_same_judgment_in_two_directories_counts_once(tmp_path):
    rows = [_row("m", "j", 4, key="k1"), _row("m", "j", 8, key="k2")]
    a = _write_run(tmp_path / "a", rows)
    b = _write_run(tmp_path / "b", rows[:1])
    row = merged_leaderboard([a, b]).iloc[0]
    assert (row["n_total"], row["overall"]) == (2, 6.0)


def test_rows_without_keys_are_all_counted(tmp_path):
    rows = [{k: v for k, v in _row("m", "j", v).items() if k != "key"} for v in (2, 4, 4)]
    a = _write_run(tmp_path / "a", rows)
    assert merged_leaderboard([a]).iloc[0]["n_total"] == 3


def test_directory_without_judgments_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not a run directory"):
        merged_leaderboard([tmp_path])
    with pytest.raises(InputError, match="not a run directory"):
        read_judgments(tmp_path / "missing")


def test_broken_judgments_line_names_file_and_line(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "judgments.jsonl").write_text(json.dumps(_row("m", "j", 5)) + "\n\n{oops\n")
    with pytest.raises(InputError, match=re.escape(f"{run / 'judgments.jsonl'}:3: not valid JSON")):
        read_judgments(run)


def test_one_answer_judged_in_a_run_and_again_through_judge_counts_once(tmp_path):
    # `mentalbench judge` keys external answers apart from generated ones; the text hash joins them.
    first = _row("m", "j", 4, key="run-key") | {"answer_sha256": "aa", "question_id": "q1"}
    again = _row("m", "j", 6, key="judge-key") | {"answer_sha256": "aa", "question_id": "q1"}
    other = _row("m", "j", 8, key="k3") | {"answer_sha256": "bb", "question_id": "q2"}
    a = _write_run(tmp_path / "a", [first, other])
    b = _write_run(tmp_path / "b", [again])
    row = merged_leaderboard([a, b]).iloc[0]
    assert (row["n_total"], row["overall"]) == (2, 7.0)  # q1 once (the later run's 6), q2 once
