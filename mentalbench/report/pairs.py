"""Paired comparisons of models: bootstrap delta, Wilcoxon (pratt), Holm, rank-biserial."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..results.bootstrap import Draws, interval
from .cube import Cube

PAIR_COLUMNS = ["judge", "metric", "model_a", "model_b", "n", "diff", "ci_low", "ci_high",
                "p", "p_holm", "effect", "lc_diff", "lc_ci_low", "lc_ci_high", "lc_p",
                "lc_p_holm"]
ALPHA = 0.05  # the family-wise error rate Holm holds per judge
EXACT_MAX = 50  # scipy's limit for its exact null distribution


def wilcoxon_pratt(diffs: np.ndarray) -> np.ndarray:
    """Two-sided Wilcoxon signed-rank p (zeros ranked, then dropped: "pratt") of each row of
    diffs [P, n], NaN missing.

    Rows of at most EXACT_MAX values with no zero and no tie get scipy's exact test; all
    others the normal approximation with the zero and tie corrections (Cureton 1967),
    computed for all rows at once. That is scipy.stats.wilcoxon's own choice, except for
    rows of 13 values or fewer with ties, where scipy runs a permutation test of up to
    8,192 sign flips (seconds per pair). All-zero rows get p = 1: no evidence of a difference.
    """
    from scipy.stats import wilcoxon

    present = ~np.isnan(diffs)
    count = present.sum(axis=1)
    nonzero = (np.where(present, diffs, 0.0) != 0).any(axis=1)
    p = np.where((count > 0) & ~nonzero, 1.0, np.nan)
    clean = ~(diffs == 0).any(axis=1) & (_ties(np.abs(diffs)) == 0)
    exact = nonzero & clean & (count <= EXACT_MAX)
    normal = nonzero & ~exact
    if normal.any():
        p[normal] = _pratt_normal(diffs[normal])
    for i in np.flatnonzero(exact):
        p[i] = wilcoxon(diffs[i][present[i]], zero_method="pratt", method="exact").pvalue
    return p


def _pratt_normal(d: np.ndarray) -> np.ndarray:
    """The normal approximation of the pratt signed-rank test, row by row (Cureton 1967)."""
    from scipy.stats import norm, rankdata

    present = ~np.isnan(d)
    r = rankdata(np.abs(d), axis=1, nan_policy="omit")
    r_plus = np.where(d > 0, r, 0.0).sum(axis=1)
    count = present.sum(axis=1).astype(float)
    zeros = (d == 0).sum(axis=1).astype(float)
    mean = (count * (count + 1) - zeros * (zeros + 1)) / 4
    var = (count * (count + 1) * (2 * count + 1) - zeros * (zeros + 1) * (2 * zeros + 1)
           - _ties(np.where(d != 0, np.abs(d), np.nan)) / 2) / 24
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (r_plus - mean) / np.sqrt(var)
    return np.minimum(2 * norm.sf(np.abs(z)), 1.0)


def _ties(values: np.ndarray) -> np.ndarray:
    """Sum of t^3 - t over the groups of equal values in each row (NaN left out)."""
    s = np.sort(values, axis=1)  # NaN last
    rows, n = s.shape
    start = np.ones_like(s, dtype=bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    run = np.cumsum(start, axis=1) - 1 + (np.arange(rows) * n)[:, None]
    sizes = np.bincount(run[~np.isnan(s)], minlength=rows * n).reshape(rows, n).astype(float)
    return (sizes ** 3 - sizes).sum(axis=1)


def rank_biserial(diffs: np.ndarray) -> np.ndarray:
    """Matched-pairs rank-biserial r = (R+ - R-) / (R+ + R-), ranks of |d| with zeros ranked."""
    from scipy.stats import rankdata

    r = rankdata(np.abs(diffs), axis=1, nan_policy="omit")
    plus = np.where(diffs > 0, r, 0.0).sum(axis=1)
    minus = np.where(diffs < 0, r, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(plus + minus > 0, (plus - minus) / (plus + minus), 0.0)
    return np.where((~np.isnan(diffs)).any(axis=1), out, np.nan)


def pair_boot(counts: np.ndarray, v: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of v[a] - v[b] over the questions both have, per resample: [B, P].

    From each model's sums, less the few questions one model of a pair has and the other
    lacks (a sparse correction), instead of one product per pair.
    """
    from scipy import sparse

    present = ~np.isnan(v)
    filled = np.where(present, v, 0.0)
    sums, count = counts @ filled.T, counts @ present.T.astype(float)  # [B, M]
    pa, qa = np.nonzero(present[a] & ~present[b])  # b lacks these: drop a's value
    pb, qb = np.nonzero(present[b] & ~present[a])
    shape = (v.shape[1], len(a))
    values = sparse.csr_matrix((np.r_[-filled[a[pa], qa], filled[b[pb], qb]],
                                (np.r_[qa, qb], np.r_[pa, pb])), shape=shape)
    dropped = sparse.csr_matrix((np.ones(len(pa)), (qa, pa)), shape=shape)
    total = sums[:, a] - sums[:, b] + (values.T @ counts.T).T
    n = count[:, a] - (dropped.T @ counts.T).T
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / n, np.nan)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p over one family (NaN p stay NaN and are not counted)."""
    from statsmodels.stats.multitest import multipletests

    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], alpha=ALPHA, method="holm")[1]
    return out


def bootstrap_p(boot: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap p of each column of boot [B, P]: twice the share of resamples on
    the far side of 0 (NaN resamples left out), at most 1."""
    ok = ~np.isnan(boot)
    count = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        below = np.where(ok, boot <= 0, False).sum(axis=0) / count
        above = np.where(ok, boot >= 0, False).sum(axis=0) / count
    return np.where(count > 0, np.minimum(1.0, 2 * np.minimum(below, above)), np.nan)


def pair_table(cube: Cube, draws: Draws, fits: dict | None = None) -> pd.DataFrame:
    """pairs.csv: every pair of models per judge and metric; Holm over pairs x metrics per judge.
    With length fits, the LC difference beside the raw one: its interval, bootstrap p and Holm."""
    a, b = np.triu_indices(len(cube.models), 1)
    frames = []
    for j, judge in enumerate(cube.judges):
        parts = []
        for k, metric in enumerate(cube.metrics):
            v = cube.scores[j, k]
            diffs = v[a] - v[b]  # [P, n]: NaN unless both models have the question
            low, high = interval(pair_boot(draws.counts, v, a, b))
            n = (~np.isnan(diffs)).sum(axis=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                diff = np.nanmean(diffs, axis=1)
            parts.append(pd.DataFrame({
                "judge": judge, "metric": metric, "model_a": np.array(cube.models)[a],
                "model_b": np.array(cube.models)[b], "n": n, "diff": diff, "ci_low": low,
                "ci_high": high, "p": wilcoxon_pratt(diffs), "effect": rank_biserial(diffs),
                **_lc_columns((fits or {}).get((judge, metric)), a, b)}))
        family = pd.concat(parts, ignore_index=True)
        family = family[family["n"] > 0]
        family.insert(9, "p_holm", holm(family["p"].to_numpy()))
        family["lc_p_holm"] = holm(family["lc_p"].to_numpy(float))
        frames.append(family)
    if not frames:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    return pd.concat(frames, ignore_index=True)[PAIR_COLUMNS]


def _lc_columns(fit, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """LC of model a less model b, its percentile interval and bootstrap p (NaN without a fit)."""
    if fit is None:
        nan = np.full(len(a), np.nan)
        return {"lc_diff": nan, "lc_ci_low": nan, "lc_ci_high": nan, "lc_p": nan}
    boot = fit.lc_boot[:, a] - fit.lc_boot[:, b]
    low, high = interval(boot)
    return {"lc_diff": fit.lc[a] - fit.lc[b], "lc_ci_low": low, "lc_ci_high": high,
            "lc_p": bootstrap_p(boot)}


def against(pairs: pd.DataFrame, judge: str, model: str) -> dict[tuple[str, str], pd.Series]:
    """Every pairs row of one judge that involves model, keyed (metric, other), turned so that
    diff = model - other."""
    rows = pairs[(pairs["judge"] == judge)
                 & ((pairs["model_a"] == model) | (pairs["model_b"] == model))]
    out = {}
    for _, row in rows.iterrows():
        if row["model_b"] == model:
            row = row.copy()
            row["model_a"], row["model_b"] = model, row["model_a"]
            row["diff"], row["ci_low"], row["ci_high"] = (-row["diff"], -row["ci_high"],
                                                          -row["ci_low"])
            row["effect"] = -row["effect"]
            row["lc_diff"], row["lc_ci_low"], row["lc_ci_high"] = (
                -row["lc_diff"], -row["lc_ci_high"], -row["lc_ci_low"])
        out[row["metric"], row["model_b"]] = row
    return out
