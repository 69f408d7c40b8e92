"""Judge health: leniency, halo, unscored and partial judgments, spread of repeated ratings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .cube import METRICS_MEAN, Section

HEALTH_COLUMNS = ["judge", "metric", "ratings", "mean", "leniency", "halo", "judgments",
                  "scored_share", "partial_share", "unscored_share", "partial_n", "partial_mean",
                  "judge_sample_sd", "answer_sample_sd"]
LENIENT = 9  # a rating at or above this counts toward leniency


def _halo(scored: pd.DataFrame, rubric_keys: tuple[str, ...]) -> float:
    """Mean Pearson correlation between distinct rubric metrics over one judge's judgments."""
    if len(rubric_keys) < 2 or len(scored) < 3:
        return np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a constant metric: NaN correlation
        corr = np.corrcoef(scored[list(rubric_keys)].to_numpy(float), rowvar=False)
    off = corr[~np.eye(len(rubric_keys), dtype=bool)]
    return float(np.nanmean(off)) if (~np.isnan(off)).any() else np.nan


def _spread(values: pd.DataFrame, by: list[str], key: str) -> float:
    """Mean standard deviation within groups of more than one value (NaN when none)."""
    groups = values.groupby(by)[key]
    sd = groups.std(ddof=1)[groups.size() > 1]
    return float(sd.mean()) if len(sd) else np.nan


def health_table(section: Section) -> pd.DataFrame:
    """health.csv: per judge and metric; the judge-wide figures repeat on each of its rows."""
    rows = section.rows[section.rows["status"] != "unanswered"]  # no answer: nothing to judge
    out = []
    for judge, mine in rows.groupby("judge_label", sort=True):
        scored = mine[mine["status"] == "scored"]
        partial = mine[mine["status"] == "partial"]
        total = len(mine)
        halo = _halo(scored, section.rubric_keys)
        per_answer = scored.groupby(["model", "question_id", "sample"], as_index=False)[
            list(section.metrics)].mean()
        for metric in section.metrics:
            values = scored[metric].to_numpy(float)
            rated = metric != METRICS_MEAN
            out.append({
                "judge": judge, "metric": metric, "ratings": len(values),
                "mean": float(values.mean()) if len(values) else np.nan,
                "leniency": float(np.mean(values >= LENIENT)) if rated and len(values)
                else np.nan,
                "halo": halo, "judgments": total,
                "scored_share": len(scored) / total if total else np.nan,
                "partial_share": len(partial) / total if total else np.nan,
                "unscored_share": (total - len(scored) - len(partial)) / total if total
                else np.nan,
                "partial_n": int(partial[metric].notna().sum()) if rated else 0,
                "partial_mean": float(partial[metric].mean()) if rated and len(partial)
                else np.nan,
                "judge_sample_sd": _spread(scored, ["answer_key"], metric),
                "answer_sample_sd": _spread(per_answer, ["model", "question_id"], metric)})
    return pd.DataFrame(out, columns=HEALTH_COLUMNS)
