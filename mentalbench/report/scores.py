"""Each model's mean per judge and metric, with its bootstrap interval and rank interval."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..results.bootstrap import Draws, interval, point_means, rank_interval, ranks, weighted_means
from .cube import Cube

SCORE_COLUMNS = ["model", "judge", "metric", "n", "mean", "sd", "ci_low", "ci_high", "rank",
                 "rank_low", "rank_high", "lc", "lc_low", "lc_high", "lc_rank", "median_words"]


@dataclass(frozen=True, eq=False)
class Means:
    """Means over questions of every (judge, metric, model), at the data and in each resample."""

    point: np.ndarray  # [J, K, M]
    boot: np.ndarray  # [B, J, K, M]
    n: np.ndarray  # [J, K, M]: questions with a score
    sd: np.ndarray  # [J, K, M]: standard deviation over those questions


def cube_means(cube: Cube, draws: Draws) -> Means:
    """One matrix product for all means: counts [B, n] @ scores [n, J*K*M]."""
    shape = cube.scores.shape[:3]
    values = cube.scores.reshape(-1, cube.scores.shape[3]).T
    boot = weighted_means(draws.counts, values).reshape(draws.resamples, *shape)
    n = (~np.isnan(cube.scores)).sum(axis=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # one question or none: NaN
        sd = np.nanstd(cube.scores, axis=3, ddof=1)
    return Means(point_means(values).reshape(shape), boot, n, sd)


def score_table(cube: Cube, means: Means, lc: dict | None = None) -> pd.DataFrame:
    """scores.csv: one row per (judge, metric, model); lc maps (judge, metric) to a LengthFit."""
    low, high = interval(means.boot)
    rank = ranks(means.point)
    rank_low, rank_high = rank_interval(ranks(means.boot))
    rows = []
    for j, judge in enumerate(cube.judges):
        for k, metric in enumerate(cube.metrics):
            fit = (lc or {}).get((judge, metric))
            lc_rank = ranks(fit.lc) if fit is not None else None
            for m, model in enumerate(cube.models):
                if means.n[j, k, m] == 0:
                    continue
                rows.append({
                    "model": model, "judge": judge, "metric": metric,
                    "n": int(means.n[j, k, m]), "mean": means.point[j, k, m],
                    "sd": means.sd[j, k, m], "ci_low": low[j, k, m], "ci_high": high[j, k, m],
                    "rank": rank[j, k, m], "rank_low": rank_low[j, k, m],
                    "rank_high": rank_high[j, k, m],
                    "lc": fit.lc[m] if fit else np.nan,
                    "lc_low": fit.lc_low[m] if fit else np.nan,
                    "lc_high": fit.lc_high[m] if fit else np.nan,
                    "lc_rank": lc_rank[m] if fit else np.nan,
                    "median_words": cube.median_words[m]})
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)
