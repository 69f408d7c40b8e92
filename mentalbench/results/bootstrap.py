"""The one cluster bootstrap over questions that every interval in a report is drawn from."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: The one seed policy of every interval of a mean, leaderboard and report alike: this many
#: resamples from this seed, over the questions in their set's order.
RESAMPLES = 10_000
SEED = 0

LEVEL = 0.95


@dataclass(frozen=True, eq=False)
class Draws:
    """How often each question is drawn in each resample: counts[b, q], rows summing to n."""

    counts: np.ndarray  # [B, n] float64
    seed: int

    @property
    def resamples(self) -> int:
        return self.counts.shape[0]


def draw(n_questions: int, resamples: int, seed: int) -> Draws:
    """B resamples of n questions with replacement, from one recorded seed."""
    rng = np.random.default_rng(seed)
    index = rng.integers(0, n_questions, size=(resamples, n_questions))
    flat = index + (np.arange(resamples) * n_questions)[:, None]
    counts = np.bincount(flat.ravel(), minlength=resamples * n_questions)
    return Draws(counts.reshape(resamples, n_questions).astype(np.float64), seed)


@lru_cache(maxsize=4)
def _cached(n_questions: int, resamples: int, seed: int) -> Draws:
    return draw(n_questions, resamples, seed)


def mean_interval(values: np.ndarray, resamples: int = RESAMPLES,
                  seed: int = SEED) -> tuple[float, float]:
    """95% interval of the mean of one value per question (NaN: missing), the questions in
    their set's order: the draws, and so the interval, a report over them gives too."""
    column = np.asarray(values, dtype=float)[:, None]
    if (~np.isnan(column)).sum() < 2:
        return float("nan"), float("nan")
    low, high = interval(weighted_means(_cached(len(column), resamples, seed).counts, column))
    return float(low[0]), float(high[0])


def stat_interval(values, stat=np.mean, resamples: int = RESAMPLES,
                  seed: int = SEED) -> tuple[float, float]:
    """95% percentile interval of stat(values, axis=...) over units resampled with the same
    draws as draw(): for the mean it is mean_interval's (NaN values are dropped first)."""
    data = np.asarray([v for v in values if not np.isnan(v)], dtype=float)
    if len(data) < 2:
        return float("nan"), float("nan")
    index = np.random.default_rng(seed).integers(0, len(data), size=(resamples, len(data)))
    low, high = np.percentile(stat(data[index], axis=1), [50 * (1 - LEVEL), 50 * (1 + LEVEL)])
    return float(low), float(high)


def weighted_means(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Means of each column of values [n, k] (NaN: missing) under question weights [r, n]."""
    present = ~np.isnan(values)
    total = weights @ np.where(present, values, 0.0)
    if present.all():
        count = weights.sum(axis=1, keepdims=True)
    else:
        count = weights @ present.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def point_means(values: np.ndarray) -> np.ndarray:
    """Means of each column of values [n, k] over the questions that have one."""
    return weighted_means(np.ones((1, values.shape[0])), values)[0]


def interval(boot: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each column of boot [B, ...]; resamples giving NaN (a subset
    none of whose questions was drawn) are left out of that column's interval."""
    q = [50 * (1 - level), 50 * (1 + level)]
    flat = boot.reshape(boot.shape[0], -1)
    gaps = np.isnan(flat).any(axis=0)
    low, high = np.full(flat.shape[1], np.nan), np.full(flat.shape[1], np.nan)
    if (~gaps).any():
        low[~gaps], high[~gaps] = np.percentile(flat[:, ~gaps], q, axis=0)
    if gaps.any():  # nanpercentile is slow: only where needed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
            low[gaps], high[gaps] = np.nanpercentile(flat[:, gaps], q, axis=0)
    shape = boot.shape[1:]
    return low.reshape(shape), high.reshape(shape)


def ranks(means: np.ndarray) -> np.ndarray:
    """Rank along the last axis, 1 = highest mean, ties share the best rank; NaN stays NaN."""
    higher = (means[..., None, :] > means[..., :, None]).sum(axis=-1)
    return np.where(np.isnan(means), np.nan, higher + 1.0)


def rank_interval(boot_ranks: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The central `level` range of bootstrap ranks (whole ranks, as drawn)."""
    q = [(1 - level) / 2, (1 + level) / 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(boot_ranks, q, axis=0, method="inverted_cdf")
    return low, high
