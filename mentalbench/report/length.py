"""Length sensitivity: s = a_model + g_question + f(log words), f's shape chosen from a small
nested family by BIC in every resample, and length-controlled scores at a fixed reference (200
words), the curve fitted on every model or on named reference models alone."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..results.bootstrap import Draws, interval
from .cube import Cube
from .scores import Means

LENGTH_COLUMNS = ["judge", "metric", "form", "form_share", "reference_words", "lc_fitted_on",
                  "doubling",
                  "doubling_low", "doubling_high", "spearman_means_words",
                  "spearman_lc_words", "n_questions", "n_models"]
#: LC is each model's score with its answers' length effect swapped for this length's. A fixed
#: constant: the reference does not move with the report's models (the estimate of f still
#: comes from them; docs/report.md says what that leaves).
REFERENCE_WORDS = 200.0


#: Knots of the length term, in words: 15 log-spaced from 32 to 1,242, fixed (never taken from
#: the data, so the basis does not move with the model set either).
GRID = tuple(float(w) for w in np.round(np.exp(np.linspace(np.log(25), np.log(1600), 17)))[1:-1])


@dataclass(frozen=True)
class Form:
    """One shape of the length term: linear in log words with hinges at some knots of GRID,
    every column zero at the reference length."""

    name: str
    knots: tuple[int, ...]  # indices into GRID

    def columns(self) -> np.ndarray:
        """Which of the full basis's columns (log words, then one hinge per knot) it uses."""
        return np.array([0, *(1 + k for k in self.knots)])

    def __call__(self, log_words: np.ndarray) -> np.ndarray:
        """The form's basis at log_words: [..., p], zero at the reference."""
        return basis(log_words)[..., self.columns()]


def basis(log_words: np.ndarray) -> np.ndarray:
    """Log words and a hinge at every knot of GRID, less their values at the reference: [..., 16]."""
    def raw(x):
        x = np.asarray(x, float)[..., None]
        return np.concatenate([x, np.maximum(0.0, x - np.log(GRID))], axis=-1)
    return raw(log_words) - raw(np.log(REFERENCE_WORDS))


#: The family the data choose from, nested: a straight line in log length, then piecewise-linear
#: with 1, 3, 7 or 15 knots; BIC picks one (see _choose).
FORMS = (Form("linear", ()), Form("1 knot", (7,)), Form("3 knots", (3, 7, 11)),
         Form("7 knots", (1, 3, 5, 7, 9, 11, 13)), Form("15 knots", tuple(range(15))))


@dataclass(frozen=True, eq=False)
class LengthFit:
    """One judge and metric's length fit (questions with at least two models scored)."""

    judge: str
    metric: str
    form: Form  # chosen at the data
    form_share: float  # share of resamples that chose the same form
    coef: np.ndarray  # [p]: the form's coefficients
    doubling: float  # rating change when an answer of the reference length doubles
    doubling_low: float
    doubling_high: float
    lc: np.ndarray  # [M]: mean of s - f(log words) over the model's questions
    lc_low: np.ndarray
    lc_high: np.ndarray
    lc_boot: np.ndarray  # [B, M]: LC in each resample, the form chosen again in each
    lc_fitted_on: str  # the models whose answers LC's length curve is fitted on
    n_questions: int
    spearman: float  # model means against median words
    spearman_lc: float  # LC against median words

    def term(self, log_words: np.ndarray) -> np.ndarray:
        """The fitted length term f at log_words (0 at the reference)."""
        return self.form(log_words) @ self.coef


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


@dataclass(frozen=True, eq=False)
class Design:
    """What the length fit needs of the answers' lengths under one weighting [r, n]: shared by
    every metric whose scores are present in the same cells."""

    inverse: np.ndarray  # [r, M-1, M-1]: the model block's inverse
    xc: np.ndarray  # [M, n, p]: the basis centred within questions
    cross: np.ndarray  # [r, M-1, p]
    xx: np.ndarray  # [r, p, p]
    sx: np.ndarray  # [r, M, p]: each model's basis sums
    count: np.ndarray  # [r, M]: each model's questions
    cells: np.ndarray  # [r]: scored cells of questions with two models or more


def design(weights: np.ndarray, x: np.ndarray, present: np.ndarray) -> Design:
    """The length-only products of the normal equations for basis x [M, n, p]."""
    count = present.sum(axis=0)
    xc = np.stack([_centred(x[..., i], present, count) for i in range(x.shape[-1])], axis=-1)
    m, n, p = xc.shape
    cross = (weights @ xc[1:].transpose(1, 0, 2).reshape(n, (m - 1) * p)).reshape(-1, m - 1, p)
    xx = (weights @ np.einsum("mqi,mqj->qij", xc, xc).reshape(n, p * p)).reshape(-1, p, p)
    sx = (weights @ x.transpose(1, 0, 2).reshape(n, m * p)).reshape(-1, m, p)
    used = (present & (count > 1)).sum(axis=0).astype(float)
    return Design(_model_inverse(weights, present), xc, cross, xx, sx,
                  weights @ present.T.astype(float), weights @ used)


def _normal_y(weights: np.ndarray, d: Design, y: np.ndarray,
              present: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X'MX [r, p, p], X'My [r, p] and y'My [r], M removing model and question effects (by
    centring within questions, then the Schur complement of the model block)."""
    yc = _centred(y, present, present.sum(axis=0))
    sums = weights @ np.hstack([yc[1:].T, np.einsum("mqi,mq->qi", d.xc, yc),
                                (yc * yc).sum(axis=0)[:, None]])
    m1, p = d.cross.shape[1:]
    rhs, xy, yy = sums[:, :m1], sums[:, m1:m1 + p], sums[:, -1]
    solved = np.matmul(d.inverse, d.cross)  # A^-1 C
    xmx = d.xx - np.matmul(d.cross.transpose(0, 2, 1), solved)
    xmy = xy - np.matmul(solved.transpose(0, 2, 1), rhs[..., None])[..., 0]
    ymy = yy - (rhs * np.matmul(d.inverse, rhs[..., None])[..., 0]).sum(axis=1)
    return xmx, xmy, ymy


def _normal(weights: np.ndarray, inverse: np.ndarray, y: np.ndarray, x: np.ndarray,
            present: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """_normal_y for basis x [M, n, p] given the model block's inverse."""
    d = design(weights, x, present)
    return _normal_y(weights, Design(inverse, *[getattr(d, f) for f in (
        "xc", "cross", "xx", "sx", "count", "cells")]), y, present)


def _betas(weights: np.ndarray, inverse: np.ndarray, y: np.ndarray, x: np.ndarray,
           present: np.ndarray) -> np.ndarray:
    """beta of one length column x [M, n] per weighting (Schur complement): [r]."""
    xmx, xmy, _ = _normal(weights, inverse, y, x[..., None], present)
    with np.errstate(invalid="ignore", divide="ignore"):
        return xmy[:, 0] / xmx[:, 0, 0]


def _choose(xmx: np.ndarray, xmy: np.ndarray, ymy: np.ndarray,
            cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per weighting, the form of least BIC and its coefficients on the full basis: ([r], [r, 16]).

    BIC = N log(SSE / N) + p log N over the N scored cells; SSE = y'My less what the length
    term explains. Nested forms of 2 to 16 parameters: BIC's penalty keeps the line unless the
    data need the bends.
    """
    r, full = xmy.shape
    bic = np.full((len(FORMS), r), np.inf)
    coefs = np.zeros((len(FORMS), r, full))
    n = np.maximum(cells, 2.0)
    for f, form in enumerate(FORMS):
        c = form.columns()
        a = xmx[:, c[:, None], c[None, :]]
        ridge = 1e-9 * np.einsum("rii->r", a)[:, None, None] * np.eye(len(c))
        try:
            beta = np.linalg.solve(a + ridge, xmy[:, c][..., None])[..., 0]
        except np.linalg.LinAlgError:
            beta = np.einsum("rij,rj->ri", np.linalg.pinv(a + ridge), xmy[:, c])
        sse = np.maximum(ymy - (xmy[:, c] * beta).sum(axis=1), 1e-12 * np.maximum(ymy, 1e-12))
        bic[f] = n * np.log(sse / n) + len(c) * np.log(n)
        coefs[f][:, c] = beta
    best = np.argmin(bic, axis=0)
    return best, coefs[best, np.arange(r)]


def lengths_basis(log_words: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The full basis at every present cell, zero elsewhere: [M, n, 16]."""
    return np.where(present[..., None], basis(np.where(present, log_words, 0.0)), 0.0)


def fit_form(weights: np.ndarray, d: Design, y: np.ndarray,
             present: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per weighting: the chosen form, its coefficients on the full basis, and each model's LC
    under it: ([r] form index, [r, 16], [r, M])."""
    xmx, xmy, ymy = _normal_y(weights, d, y, present)
    form, coef = _choose(xmx, xmy, ymy, d.cells)
    return form, coef, _lc(weights, d, y, present, coef)


def _lc(weights: np.ndarray, d: Design, y: np.ndarray, present: np.ndarray,
        coef: np.ndarray) -> np.ndarray:
    """Each model's mean of s - f(log words) under coefficients coef [r, 16]: [r, M]."""
    sy = weights @ np.where(present, y, 0.0).T  # [r, M]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d.count > 0, (sy - np.matmul(d.sx, coef[..., None])[..., 0]) / d.count,
                        np.nan)


def reference_lc(weights: np.ndarray, d: Design, y: np.ndarray, log_words: np.ndarray,
                 present: np.ndarray, reference: list[int]) -> np.ndarray:
    """Each model's LC per weighting [r, M] under the length term fitted on the reference models
    alone, so that no other model's answers move it; d is every model's Design."""
    some = present[reference]
    mine = design(weights, lengths_basis(log_words[reference], some), some)
    return _lc(weights, d, y, present, fit_form(weights, mine, y[reference], some)[1])


def fit_lengths(cube: Cube, means: Means, draws: Draws,
                reference: tuple[str, ...] = ()) -> dict[tuple[str, str], LengthFit]:
    """A fit per (judge, metric) with a model, question and length term; CIs from the draws,
    the form chosen again in every resample. With reference models, LC comes from
    reference_lc (the length term of length.csv is still fitted on every model)."""
    from scipy.stats import spearmanr

    log_words = cube.log_words
    ones = np.ones((1, log_words.shape[1]))
    doubled = basis(np.log(2 * REFERENCE_WORDS))  # [16]: each column's change on doubling
    designs: dict[bytes, tuple[Design, Design]] = {}
    fits = {}
    for j, judge in enumerate(cube.judges):
        for k, metric in enumerate(cube.metrics):
            y = cube.scores[j, k]
            present = ~np.isnan(y) & ~np.isnan(log_words)
            used = int((present.sum(axis=0) > 1).sum())
            if used < 3 or len(cube.models) < 2:
                continue
            key = np.packbits(present).tobytes()
            if key not in designs:
                x = lengths_basis(log_words, present)
                designs[key] = (design(ones, x, present), design(draws.counts, x, present))
            point, boot = designs[key]
            form, coef, lc = fit_form(ones, point, y, present)
            boot_form, boot_coef, boot_lc = fit_form(draws.counts, boot, y, present)
            fitted_on = "every model"
            if reference:
                rows = [cube.models.index(name) for name in reference]
                lc = reference_lc(ones, point, y, log_words, present, rows)
                boot_lc = reference_lc(draws.counts, boot, y, log_words, present, rows)
                fitted_on = "+".join(reference)
            doubling_low, doubling_high = interval(boot_coef @ doubled)
            lc_low, lc_high = interval(boot_lc)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # constant input: NaN, said in the docs
                rho = spearmanr(means.point[j, k], cube.median_words, nan_policy="omit")[0]
                rho_lc = spearmanr(lc[0], cube.median_words, nan_policy="omit")[0]
            fits[judge, metric] = LengthFit(
                judge, metric, FORMS[form[0]], float((boot_form == form[0]).mean()),
                coef[0][FORMS[form[0]].columns()], float(coef[0] @ doubled), float(doubling_low),
                float(doubling_high), lc[0], lc_low, lc_high, boot_lc, fitted_on, used,
                float(rho), float(rho_lc))
    return fits


def length_table(fits: dict[tuple[str, str], LengthFit], n_models: int) -> pd.DataFrame:
    """length.csv: the chosen form, the effect of doubling length with its interval, and the
    Spearman of means (and of LC) with median words."""
    rows = [{"judge": f.judge, "metric": f.metric, "form": f.form.name,
             "form_share": f.form_share, "reference_words": REFERENCE_WORDS,
             "lc_fitted_on": f.lc_fitted_on,
             "doubling": f.doubling, "doubling_low": f.doubling_low,
             "doubling_high": f.doubling_high, "spearman_means_words": f.spearman,
             "spearman_lc_words": f.spearman_lc, "n_questions": f.n_questions,
             "n_models": n_models} for f in fits.values()]
    return pd.DataFrame(rows, columns=LENGTH_COLUMNS)
