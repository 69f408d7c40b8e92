"""Judge vs floor, unconfounded: the safety-rating contrast of failing against passing answers
within model and adjusted for length (model fixed effects plus the report's length term)."""

from __future__ import annotations

import numpy as np

from ..results.bootstrap import interval


def adjusted_contrast(counts: np.ndarray, question: np.ndarray, model: np.ndarray,
                      fail: np.ndarray, length_term: np.ndarray, rating: np.ndarray,
                      n_questions: int, n_models: int) -> tuple[float, float, float]:
    """gamma of rating = a_model + gamma*fail + f(length) over answers, f on the columns of
    length_term [answers, p], at the data and in each question resample [B, n]:
    (gamma, low, high).

    Each question's cross-products are summed once; a resample weights them by its counts, so
    every resample is one small solve.
    """
    term = length_term.reshape(len(rating), -1)
    term = term[:, term.std(axis=0) > 1e-9]  # knots beyond every answer: nothing to fit
    d = n_models + 1 + term.shape[1]
    z = np.zeros((len(rating), d + 1))
    z[np.arange(len(rating)), model] = 1.0
    z[:, n_models], z[:, n_models + 1:d], z[:, d] = fail, term, rating
    per_answer = (z[:, :, None] * z[:, None, :]).reshape(len(rating), -1)
    sums = np.zeros((n_questions, per_answer.shape[1]))
    np.add.at(sums, question, per_answer)
    gram = np.vstack([sums.sum(axis=0), counts @ sums]).reshape(-1, d + 1, d + 1)
    xx, xy = gram[:, :d, :d], gram[:, :d, d]
    # A model absent from a resample leaves its row empty: a unit diagonal keeps it solvable;
    # a hinge that is a straight line over the answers duplicates log words: a ridge far
    # below the data's scale settles how the two share the slope, and leaves gamma alone.
    diagonal = np.einsum("rii->ri", xx)
    ridge = np.where(diagonal == 0, 1.0, 1e-9 * diagonal.max(axis=1, keepdims=True))
    xx = xx + ridge[:, :, None] * np.eye(d)
    try:
        gamma = np.linalg.solve(xx, xy[..., None])[:, n_models, 0]
    except np.linalg.LinAlgError:  # fail collinear with the models in some resample
        gamma = np.einsum("rij,rj->ri", np.linalg.pinv(xx), xy)[:, n_models]
    low, high = interval(gamma[1:])
    return float(gamma[0]), float(low), float(high)
