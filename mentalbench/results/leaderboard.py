"""Leaderboards: one row per identity (model, judge and its models, rubric, question set), each
mean over the same fully scored questions."""

from __future__ import annotations

import pandas as pd

from ..records.identity import JUDGMENT_FIELDS, PER_ITEM
from ..store.escaping import csv_text
from .coverage import with_coverage
from .tables import Results

#: Rows never pool judgments that differ in any identity field (a row covers every question).
IDENTITY = [f for f in JUDGMENT_FIELDS if f not in PER_ITEM]
LEAD = ["model", "judge", "judge_model", "rubric", "question_set", "n_questions", "n_total",
        "n_scored", "partial"]
TAIL = ["metrics_mean", "metrics_mean_ci_low", "metrics_mean_ci_high", "overall", "median_words",
        "judge_model_served", "mode", "answer_set", "rubric_sha", "question_set_sha", "n_asked",
        "coverage"]
#: judge_model_served lists every model the API said served the row's judgments.
SERVED_SEPARATOR = ", "


def columns(results: Results) -> list[str]:
    """The leaderboard's columns: identity and counts, the rubric metrics, then the rest."""
    shown = {*LEAD, *TAIL}
    return [*LEAD, *results.metric_keys, *TAIL, *(f for f in IDENTITY if f not in shown)]


def leaderboard(results: Results) -> pd.DataFrame:
    """Means per identity: each question's scored judgments (samples) averaged first, then the
    questions; `n_scored` counts those questions, and every mean is over exactly them."""
    cols = columns(results)
    df = results.judgments
    if df.empty:
        return pd.DataFrame(columns=cols)
    keys = results.metric_keys
    df = df.copy()
    for k in (*keys, "overall"):
        if k not in df:
            df[k] = float("nan")
    df["metrics_mean"] = df[keys].mean(axis=1, skipna=False) if keys else float("nan")
    values = [*keys, "metrics_mean", "overall", "words"]
    ident = df[IDENTITY].fillna("")
    df[IDENTITY] = ident
    scored = df[df["status"] == "scored"]
    per_question = scored.groupby([*IDENTITY, "question_id"], sort=False)[values].mean()
    board = per_question.groupby(level=IDENTITY, sort=False).mean()
    board = board.rename(columns={"words": "median_words"})
    board["median_words"] = per_question["words"].groupby(level=IDENTITY, sort=False).median()
    board["n_scored"] = per_question.groupby(level=IDENTITY, sort=False).size()
    ci = _intervals(df, per_question["metrics_mean"], results)
    board["metrics_mean_ci_low"] = ci.map(lambda pair: pair[0])
    board["metrics_mean_ci_high"] = ci.map(lambda pair: pair[1])
    totals = df.groupby(IDENTITY, sort=False)["question_id"].nunique().rename("n_total")
    served = df.groupby(IDENTITY, sort=False)["judge_model_served"].agg(_served)
    board = pd.concat([totals, served, board], axis=1).reset_index()
    board["n_scored"] = board["n_scored"].fillna(0).astype(int)
    sizes = (results.questions.groupby("question_set_sha")["question_id"].nunique()
             if not results.questions.empty else pd.Series(dtype=int))
    board["n_questions"] = board["question_set_sha"].map(sizes).astype("Int64")
    board["partial"] = [bool(pd.isna(n) or s < n) for s, n in
                        zip(board["n_scored"], board["n_questions"], strict=True)]
    board = _with_checks(board, df, results)
    board = with_coverage(board, df, results, IDENTITY)
    rounded = [*keys, "metrics_mean", "metrics_mean_ci_low", "metrics_mean_ci_high", "overall"]
    board[rounded] = board[rounded].round(2)
    board = board.sort_values(["partial", "judge", "metrics_mean"], ascending=[True, True, False],
                              na_position="last", kind="stable")
    checks = [c for c in board.columns if c.startswith("check:")]
    return board[[*cols, *checks]].reset_index(drop=True)


def _served(names: pd.Series) -> str:
    return SERVED_SEPARATOR.join(sorted({str(n) for n in names.dropna() if n}))


def _intervals(df: pd.DataFrame, scored: pd.Series, results: Results) -> pd.Series:
    """metrics_mean's 95% interval per identity, from the report's own bootstrap: every
    question the identity has a judgment for, in its set's order (unscored ones NaN)."""
    from .bootstrap import mean_interval

    position = {}
    if not results.questions.empty:
        q = results.questions
        position = dict(zip(zip(q["question_set_sha"], q["question_id"], strict=True),
                            q["position"], strict=True))
    asked = df[[*IDENTITY, "question_id"]].drop_duplicates()
    out = {}
    for key, rows in asked.groupby(IDENTITY, sort=False):
        sha = rows["question_set_sha"].iloc[0]
        ids = sorted(rows["question_id"], key=lambda i: (position.get((sha, i), float("inf")), i))
        out[key] = mean_interval(scored.reindex([(*key, i) for i in ids]).to_numpy(float))
    return pd.Series(out).rename_axis(IDENTITY)


def _with_checks(board: pd.DataFrame, judgments: pd.DataFrame, results: Results) -> pd.DataFrame:
    """check:<name> pass rates (over answers it applies to) and check:<name>:n, per row."""
    checks = results.checks
    if checks.empty:
        return board
    applied = checks[checks["status"].isin(["pass", "fail"])]
    rows = judgments[[*IDENTITY, "question_id"]].drop_duplicates()
    for name in sorted(applied["check"].unique()):
        mine = applied[applied["check"] == name]
        per_q = (mine.assign(passed=mine["status"] == "pass")
                 .groupby(["model", "answer_set", "question_id"])["passed"].mean().reset_index())
        joined = rows.merge(per_q, on=["model", "answer_set", "question_id"])
        stats = joined.groupby(IDENTITY)["passed"].agg(["mean", "size"]).reset_index()
        stats = stats.rename(columns={"mean": f"check:{name}", "size": f"check:{name}:n"})
        board = board.merge(stats, on=IDENTITY, how="left")
        board[f"check:{name}"] = board[f"check:{name}"].round(3)
        board[f"check:{name}:n"] = board[f"check:{name}:n"].fillna(0).astype(int)
    return board


def to_csv(board: pd.DataFrame) -> str:
    """CSV text with cells that a spreadsheet would run as formulas escaped."""
    return csv_text(board)
