"""Length sensitivity: s = a_model + g_question + beta*tanh(z), and length-controlled scores."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bootstrap import Draws, interval
from .cube import Cube
from .scores import Means

LENGTH_COLUMNS = ["judge", "metric", "beta", "beta_low", "beta_high", "spearman_means_words",
                  "n_questions", "n_models"]


@dataclass(frozen=True, eq=False)
class LengthFit:
    """One judge and metric's length fit (questions with at least two models scored)."""

    judge: str
    metric: str
    beta: float
    beta_low: float
    beta_high: float
    lc: np.ndarray  # [M]: mean of s - beta*tanh(z) over the model's questions
    lc_low: np.ndarray
    lc_high: np.ndarray
    n_questions: int
    spearman: float  # model means against median words


def length_z(cube: Cube) -> np.ndarray:
    """z[model, question]: log words less the question's mean, over their standard deviation."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dev = cube.log_words - np.nanmean(cube.log_words, axis=0, keepdims=True)
        sd = np.nanstd(dev)
    return dev / sd if sd > 0 else np.zeros_like(dev)


def _centred(values: np.ndarray, present: np.ndarray, count: np.ndarray) -> np.ndarray:
    """values less their question's mean over present cells; zero where absent or alone."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, values, 0.0).sum(axis=0) / count
    return np.where(present & (count > 1), values - mean, 0.0)


def _model_inverse(weights: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Inverse of the model-effect block of the normal equations, per weighting [r, M-1, M-1].

    The question effects are absorbed by centring within each question (exact: all answers
    to a question share its weight), which leaves diag(p_q) - p_q p_q' / n_q per question;
    model 0 is the reference level. The block depends on which cells are present, not on
    the metric, so one inverse serves every metric of a judge.
    """
    p = present.astype(float)
    count = p.sum(axis=0)
    usable = count > 1  # one answer alone identifies nothing
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(usable, 1.0 / count, 0.0)
    m = p.shape[0]
    outer = (p.T[:, :, None] * p.T[:, None, :]).reshape(p.shape[1], m * m)
    block = -(weights * scale) @ outer
    block = block.reshape(-1, m, m)
    block[:, np.arange(m), np.arange(m)] += weights @ (p * usable).T
    block = block[:, 1:, 1:]
    try:
        return np.linalg.inv(block)
    except np.linalg.LinAlgError:  # a model that no question of some resample reaches
        return np.linalg.pinv(block)


def _betas(weights: np.ndarray, inverse: np.ndarray, y: np.ndarray, x: np.ndarray,
           present: np.ndarray) -> np.ndarray:
    """beta per weighting, by the Schur complement of the model block: [r]."""
    count = present.sum(axis=0)
    yc, xc = _centred(y, present, count), _centred(x, present, count)
    sums = weights @ np.vstack([xc[1:], yc[1:], (xc * xc).sum(axis=0),
                                (xc * yc).sum(axis=0)]).T
    m1 = xc.shape[0] - 1
    cross, rhs, xx, xy = sums[:, :m1], sums[:, m1:2 * m1], sums[:, -2], sums[:, -1]
    solved_cross = np.einsum("rij,rj->ri", inverse, cross)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((xy - (solved_cross * rhs).sum(axis=1))
                / (xx - (solved_cross * cross).sum(axis=1)))


def _length_controlled(weights: np.ndarray, y: np.ndarray, x: np.ndarray,
                       present: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Each model's mean of s - beta*x over its questions, per weighting: [r, M]."""
    sy = weights @ np.where(present, y, 0.0).T
    sx = weights @ np.where(present, x, 0.0).T
    count = weights @ present.T.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (sy - beta[:, None] * sx) / count, np.nan)


def fit_lengths(cube: Cube, means: Means, draws: Draws) -> dict[tuple[str, str], LengthFit]:
    """A fit per (judge, metric) with a model, question and length term; CIs from the draws."""
    from scipy.stats import spearmanr

    x = np.tanh(length_z(cube))
    ones = np.ones((1, x.shape[1]))
    inverses: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
    fits = {}
    for j, judge in enumerate(cube.judges):
        for k, metric in enumerate(cube.metrics):
            y = cube.scores[j, k]
            present = ~np.isnan(y) & ~np.isnan(x)
            used = int((present.sum(axis=0) > 1).sum())
            if used < 3 or len(cube.models) < 2:
                continue
            key = np.packbits(present).tobytes()
            if key not in inverses:
                inverses[key] = (_model_inverse(ones, present),
                                 _model_inverse(draws.counts, present))
            point, boot = inverses[key]
            beta = _betas(ones, point, y, x, present)
            boot_beta = _betas(draws.counts, boot, y, x, present)
            lc = _length_controlled(ones, y, x, present, beta)[0]
            boot_lc = _length_controlled(draws.counts, y, x, present, boot_beta)
            beta_low, beta_high = interval(boot_beta)
            lc_low, lc_high = interval(boot_lc)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # constant input: NaN, said in the docs
                rho = spearmanr(means.point[j, k], cube.median_words, nan_policy="omit")[0]
            fits[judge, metric] = LengthFit(judge, metric, float(beta[0]), float(beta_low),
                                            float(beta_high), lc, lc_low, lc_high, used,
                                            float(rho))
    return fits


def length_table(fits: dict[tuple[str, str], LengthFit], n_models: int) -> pd.DataFrame:
    """length.csv: beta with its interval and the Spearman of means with median words."""
    rows = [{"judge": f.judge, "metric": f.metric, "beta": f.beta, "beta_low": f.beta_low,
             "beta_high": f.beta_high, "spearman_means_words": f.spearman,
             "n_questions": f.n_questions, "n_models": n_models} for f in fits.values()]
    return pd.DataFrame(rows, columns=LENGTH_COLUMNS)
