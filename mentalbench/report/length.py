"""Length sensitivity: s = a_model + g_question + beta*h(log words), h chosen from a small family
of monotone forms, and length-controlled scores at a fixed reference length."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bootstrap import Draws, interval
from .cube import Cube
from .scores import Means

LENGTH_COLUMNS = ["judge", "metric", "form", "form_share", "reference_words", "doubling",
                  "doubling_low", "doubling_high", "spearman_means_words",
                  "spearman_lc_words", "n_questions", "n_models"]
#: LC is each model's score with its answers' length effect swapped for this length's. A fixed
#: constant, so no model's LC depends on which other models are in the report.
REFERENCE_WORDS = 200.0


@dataclass(frozen=True)
class Form:
    """One monotone shape of the length term: h(log words), zero at the reference."""

    name: str
    centre: float | None = None  # words where a tanh form is steepest; None: linear in log
    scale: float = 1.0  # tanh width, in log words

    def raw(self, log_words: np.ndarray) -> np.ndarray:
        if self.centre is None:
            return log_words
        return np.tanh((log_words - np.log(self.centre)) / self.scale)

    def __call__(self, log_words: np.ndarray) -> np.ndarray:
        return self.raw(log_words) - self.raw(np.log(REFERENCE_WORDS))


#: The family the data choose from: one slope each, so least squares compares them fairly
#: (equal parameters, no penalty needed). Linear in log length, or S-shaped around 50-400 words
#: at two widths (a judge whose ratings saturate).
FORMS = (Form("log"), *(Form(f"tanh({c:g},{s:g})", c, s)
                        for c in (50.0, 100.0, 200.0, 400.0) for s in (0.5, 1.0)))


@dataclass(frozen=True, eq=False)
class LengthFit:
    """One judge and metric's length fit (questions with at least two models scored)."""

    judge: str
    metric: str
    form: Form  # chosen at the data
    form_share: float  # share of resamples that chose the same form
    beta: float
    doubling: float  # rating change when an answer of the reference length doubles
    doubling_low: float
    doubling_high: float
    lc: np.ndarray  # [M]: mean of s - beta*h(log words) over the model's questions
    lc_low: np.ndarray
    lc_high: np.ndarray
    lc_boot: np.ndarray  # [B, M]: LC in each resample, the form chosen again in each
    n_questions: int
    spearman: float  # model means against median words
    spearman_lc: float  # LC against median words


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
    the metric, so one inverse serves every metric and form of a judge.
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


def _terms(weights: np.ndarray, inverse: np.ndarray, y: np.ndarray, x: np.ndarray,
           present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x'My and x'Mx per weighting, M removing model and question effects (Schur complement).

    beta = x'My / x'Mx, and (x'My)^2 / x'Mx is how much the term lowers the residual sum of
    squares: the criterion that picks the form.
    """
    count = present.sum(axis=0)
    yc, xc = _centred(y, present, count), _centred(x, present, count)
    sums = weights @ np.vstack([xc[1:], yc[1:], (xc * xc).sum(axis=0),
                                (xc * yc).sum(axis=0)]).T
    m1 = xc.shape[0] - 1
    cross, rhs, xx, xy = sums[:, :m1], sums[:, m1:2 * m1], sums[:, -2], sums[:, -1]
    solved_cross = np.einsum("rij,rj->ri", inverse, cross)
    return xy - (solved_cross * rhs).sum(axis=1), xx - (solved_cross * cross).sum(axis=1)


def _betas(weights: np.ndarray, inverse: np.ndarray, y: np.ndarray, x: np.ndarray,
           present: np.ndarray) -> np.ndarray:
    """beta per weighting, by the Schur complement of the model block: [r]."""
    num, den = _terms(weights, inverse, y, x, present)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _length_controlled(weights: np.ndarray, y: np.ndarray, x: np.ndarray,
                       present: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Each model's mean of s - beta*x over its questions, per weighting: [r, M]."""
    sy = weights @ np.where(present, y, 0.0).T
    sx = weights @ np.where(present, x, 0.0).T
    count = weights @ present.T.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (sy - beta[:, None] * sx) / count, np.nan)


def fit_form(weights: np.ndarray, inverse: np.ndarray, y: np.ndarray, log_words: np.ndarray,
             present: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per weighting: the form that lowers the residual sum of squares most, its beta, and
    each model's LC under it: ([r] form index, [r] beta, [r, M] LC)."""
    gains, betas, lcs = [], [], []
    for form in FORMS:
        x = np.where(present, form(log_words), 0.0)
        num, den = _terms(weights, inverse, y, x, present)
        with np.errstate(invalid="ignore", divide="ignore"):
            beta = np.where(den > 1e-12, num / den, 0.0)
            gains.append(np.where(den > 1e-12, num * num / den, -np.inf))
        betas.append(beta)
        lcs.append(_length_controlled(weights, y, x, present, beta))
    best = np.argmax(np.vstack(gains), axis=0)
    rows = np.arange(len(best))
    return best, np.vstack(betas)[best, rows], np.stack(lcs)[best, rows]


def fit_lengths(cube: Cube, means: Means, draws: Draws) -> dict[tuple[str, str], LengthFit]:
    """A fit per (judge, metric) with a model, question and length term; CIs from the draws,
    the form chosen again in every resample."""
    from scipy.stats import spearmanr

    log_words = cube.log_words
    ones = np.ones((1, log_words.shape[1]))
    doubled = np.array([f(np.log(2 * REFERENCE_WORDS)) for f in FORMS])
    inverses: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
    fits = {}
    for j, judge in enumerate(cube.judges):
        for k, metric in enumerate(cube.metrics):
            y = cube.scores[j, k]
            present = ~np.isnan(y) & ~np.isnan(log_words)
            used = int((present.sum(axis=0) > 1).sum())
            if used < 3 or len(cube.models) < 2:
                continue
            key = np.packbits(present).tobytes()
            if key not in inverses:
                inverses[key] = (_model_inverse(ones, present),
                                 _model_inverse(draws.counts, present))
            point, boot = inverses[key]
            form, beta, lc = fit_form(ones, point, y, log_words, present)
            boot_form, boot_beta, boot_lc = fit_form(draws.counts, boot, y, log_words, present)
            doubling_low, doubling_high = interval(boot_beta * doubled[boot_form])
            lc_low, lc_high = interval(boot_lc)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # constant input: NaN, said in the docs
                rho = spearmanr(means.point[j, k], cube.median_words, nan_policy="omit")[0]
                rho_lc = spearmanr(lc[0], cube.median_words, nan_policy="omit")[0]
            fits[judge, metric] = LengthFit(
                judge, metric, FORMS[form[0]], float((boot_form == form[0]).mean()),
                float(beta[0]), float(beta[0] * doubled[form[0]]), float(doubling_low),
                float(doubling_high), lc[0], lc_low, lc_high, boot_lc, used, float(rho),
                float(rho_lc))
    return fits


def length_table(fits: dict[tuple[str, str], LengthFit], n_models: int) -> pd.DataFrame:
    """length.csv: the chosen form, the effect of doubling length with its interval, and the
    Spearman of means (and of LC) with median words."""
    rows = [{"judge": f.judge, "metric": f.metric, "form": f.form.name,
             "form_share": f.form_share, "reference_words": REFERENCE_WORDS,
             "doubling": f.doubling, "doubling_low": f.doubling_low,
             "doubling_high": f.doubling_high, "spearman_means_words": f.spearman,
             "spearman_lc_words": f.spearman_lc, "n_questions": f.n_questions,
             "n_models": n_models} for f in fits.values()]
    return pd.DataFrame(rows, columns=LENGTH_COLUMNS)
