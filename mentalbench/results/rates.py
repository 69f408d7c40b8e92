"""The one interval of a proportion: Wilson's score interval, cluster-adjusted where answers
share a question (or sessions share a card)."""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054  # the normal 97.5% quantile


def wilson(successes: float, n: float) -> tuple[float, float]:
    """The 95% Wilson score interval of successes out of n (n may be an effective size);
    (nan, nan) with no trials. 0 of n still has an upper bound above 0."""
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_cluster(passes: np.ndarray, answers: np.ndarray) -> tuple[float, float, float]:
    """Pass rate over answers and its 95% Wilson interval, cluster-adjusted: passes and
    answers per cluster [n]; the design effect of answers sharing a cluster shrinks n."""
    passes, answers = np.asarray(passes, float), np.asarray(answers, float)
    n, x = answers.sum(), passes.sum()
    if n == 0:
        return math.nan, math.nan, math.nan
    p = x / n
    clusters = int((answers > 0).sum())
    n_eff = n
    if clusters > 1 and n > clusters:
        if 0 < p < 1:  # ratio-estimator variance over clusters against the binomial one
            used = answers > 0
            var = (clusters / (clusters - 1)
                   * ((passes[used] - p * answers[used]) ** 2).sum() / n ** 2)
            n_eff = min(n, max(clusters, n / max(1.0, var / (p * (1 - p) / n))))
        else:  # all pass or all fail: nothing to estimate the design effect from; one a cluster
            n_eff = clusters
    low, high = wilson(p * n_eff, n_eff)
    return float(p), low, high
