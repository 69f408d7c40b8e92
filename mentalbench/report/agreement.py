"""Judge agreement per metric: Krippendorff alpha, ICC, Bland-Altman, exact and within-1, tau."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd

from ..results.bootstrap import Draws, interval
from .cube import Cube
from .scores import Means

AGREEMENT_COLUMNS = ["metric", "judge_a", "judge_b", "n", "alpha_interval", "alpha_low",
                     "alpha_high", "alpha_ordinal", "alpha_ordinal_low", "alpha_ordinal_high",
                     "icc_a1", "icc_c1", "bias", "loa_low", "loa_high", "exact", "within1",
                     "tau_models"]
MAX_PACKAGE_VALUES = 200  # more distinct values than this: the package's V x V tables get big
MAX_ORDINAL_CI_VALUES = 25  # the ordinal bootstrap keeps a V x V table per resample


def interval_stats(values: np.ndarray) -> np.ndarray:
    """Per unit of values [units, coders] (NaN: missing): what interval alpha sums, [units, 4].

    Columns: m*SS/(m-1) (SS: squares about the unit's mean), m, sum of values, sum of squares;
    zeros for units with fewer than two values (not pairable).
    """
    present = ~np.isnan(values)
    m = present.sum(axis=1).astype(float)
    v = np.where(present, values, 0.0)
    s1, s2 = v.sum(axis=1), (v * v).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ss = s2 - np.where(m > 0, s1 * s1 / m, 0.0)
        within = np.where(m > 1, m * ss / (m - 1), 0.0)
    ok = m > 1
    return np.column_stack([within, m, s1, s2]) * ok[:, None]


def interval_alpha(sums: np.ndarray) -> np.ndarray:
    """Interval alpha from summed interval_stats [r, 4]: 1 - (n-1) sum_within / (n S2 - S1^2)."""
    within, n, s1, s2 = sums.T
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = n * s2 - s1 * s1
        return np.where(expected > 0, 1 - (n - 1) * within / expected, np.nan)


def coincidences(values: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Per unit of values [units, coders]: its coincidence matrix [units, V, V] over domain."""
    present = ~np.isnan(values)
    m = present.sum(axis=1)
    index = np.searchsorted(domain, np.where(present, values, domain[0]))
    counts = np.zeros((values.shape[0], len(domain)))
    for c in range(values.shape[1]):
        np.add.at(counts, (np.arange(values.shape[0]), index[:, c]), present[:, c])
    pairs = counts[:, :, None] * counts[:, None, :]
    pairs[:, np.arange(len(domain)), np.arange(len(domain))] -= counts
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(m > 1, 1.0 / (m - 1), 0.0)
    return pairs * scale[:, None, None]


def ordinal_alpha(coinc: np.ndarray) -> np.ndarray:
    """Ordinal alpha from summed coincidence matrices [r, V, V] (ranks from each r's margins)."""
    marg = coinc.sum(axis=2)  # n_c
    n = marg.sum(axis=1)
    cum = np.cumsum(marg, axis=1)
    delta = (cum[:, None, :] - cum[:, :, None] + (marg[:, :, None] - marg[:, None, :]) / 2) ** 2
    observed = (coinc * delta).sum(axis=(1, 2))
    expected = (marg[:, :, None] * marg[:, None, :] * delta).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1 - (n - 1) * observed / expected, np.nan)


def by_question(unit_values: np.ndarray, questions: np.ndarray, n_questions: int) -> np.ndarray:
    """Sum per-unit rows [units, ...] into per-question rows [n_questions, ...]."""
    out = np.zeros((n_questions, *unit_values.shape[1:]))
    np.add.at(out, questions, unit_values)
    return out


def _package_alpha(values: np.ndarray, level: str, n_values: int) -> float:
    import krippendorff

    if n_values < 2 or n_values > MAX_PACKAGE_VALUES:
        return np.nan
    return float(krippendorff.alpha(reliability_data=values.T, level_of_measurement=level))


def _icc(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    import pingouin

    if len(a) < 3:
        return np.nan, np.nan
    units = np.arange(len(a))
    data = pd.DataFrame({"unit": np.r_[units, units], "judge": ["a"] * len(a) + ["b"] * len(b),
                         "score": np.r_[a, b]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = pingouin.intraclass_corr(data, targets="unit", raters="judge", ratings="score")
    icc = dict(zip(table["Type"], table["ICC"], strict=True))
    # pingouin 0.7 names them as McGraw and Wong do; earlier releases ICC2 and ICC3.
    return (float(icc.get("ICC(A,1)", icc.get("ICC2"))),
            float(icc.get("ICC(C,1)", icc.get("ICC3"))))


def pair_agreement(cube: Cube, means: Means, draws: Draws, k: int, ja: int, jb: int) -> dict:
    """One agreement.csv row: judges ja and jb on metric k, units = answers, pooled."""
    from scipy.stats import kendalltau

    va, vb = cube.scores[ja, k], cube.scores[jb, k]  # [M, n]
    both = ~np.isnan(va) & ~np.isnan(vb)
    question = np.broadcast_to(np.arange(va.shape[1]), va.shape)[both]
    a, b = va[both], vb[both]
    values = np.column_stack([a, b])
    domain = np.unique(values)
    row = {"metric": cube.metrics[k], "judge_a": cube.judges[ja], "judge_b": cube.judges[jb],
           "n": int(both.sum())}
    stats = by_question(interval_stats(values), question, va.shape[1])
    alpha_low, alpha_high = interval(interval_alpha(draws.counts @ stats))
    row.update(alpha_interval=_package_alpha(values, "interval", len(domain)),
               alpha_low=alpha_low, alpha_high=alpha_high,
               alpha_ordinal=_package_alpha(values, "ordinal", len(domain)),
               alpha_ordinal_low=np.nan, alpha_ordinal_high=np.nan)
    if np.isnan(row["alpha_interval"]) and len(domain) > 1:
        row["alpha_interval"] = float(interval_alpha(stats.sum(axis=0, keepdims=True))[0])
    if 1 < len(domain) <= MAX_ORDINAL_CI_VALUES:
        coinc = by_question(coincidences(values, domain), question, va.shape[1])
        flat = coinc.reshape(coinc.shape[0], -1)
        boot = ordinal_alpha((draws.counts @ flat).reshape(-1, len(domain), len(domain)))
        row["alpha_ordinal_low"], row["alpha_ordinal_high"] = interval(boot)
    row["icc_a1"], row["icc_c1"] = _icc(a, b)
    diff = a - b
    sd = diff.std(ddof=1) if len(diff) > 1 else np.nan
    row.update(bias=diff.mean() if len(diff) else np.nan, loa_low=diff.mean() - 1.96 * sd,
               loa_high=diff.mean() + 1.96 * sd, exact=float(np.mean(diff == 0)),
               within1=float(np.mean(np.abs(diff) <= 1)))
    ma, mb = means.point[ja, k], means.point[jb, k]
    ok = ~np.isnan(ma) & ~np.isnan(mb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row["tau_models"] = float(kendalltau(ma[ok], mb[ok])[0]) if ok.sum() > 1 else np.nan
    return row


def agreement_table(cube: Cube, means: Means, draws: Draws) -> pd.DataFrame:
    """agreement.csv: every metric and pair of judges (the panel left out: it is their mean)."""
    judges = [cube.judges.index(j) for j in cube.real_judges]
    rows = []
    for k in range(len(cube.metrics)):
        for ja, jb in itertools.combinations(judges, 2):
            va, vb = cube.scores[ja, k], cube.scores[jb, k]
            if (~np.isnan(va) & ~np.isnan(vb)).any():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    rows.append(pair_agreement(cube, means, draws, k, ja, jb))
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
