"""Bradley–Terry scores from pairwise verdicts, with question-bootstrap intervals.

The model: P(a beats b) = sigmoid(beta_a - beta_b + gamma · style(a, b)). It is fitted as a
logistic regression without intercept by Newton's method (the problem is small: one column
per model, plus the style features); a tie is half a win for each side, as Chatbot Arena and
arena-hard count it. A small ridge penalty keeps scores finite when a model wins every
comparison. Scores are on the Elo scale (400 points = 10:1 odds), the baseline at 1000 (or
their mean at 1000 without one).

The length/style-controlled variant adds, per pair, the normalised differences
(x_a - x_b) / (x_a + x_b) of answer words and of markdown elements (headers, list items, bold),
each z-scored over the verdicts, in the manner of arena-hard's style control: the model
coefficients are then the scores at equal length and style.

Intervals: the percentile interval over resamples of the questions (every verdict on a question
goes in or out together), drawn with the report's shared bootstrap machinery.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from .pairwise_stats import PairVerdict

SCALE = 400 / math.log(10)
BASE = 1000.0
RIDGE = 1e-3
RESAMPLES = 1000
_MARKDOWN = re.compile(r"^\s{0,3}#{1,6}\s|^\s*(?:[-*+]|\d+[.)])\s|\*\*[^*\n]+\*\*", re.M)


def style_of(text: str) -> tuple[float, float]:
    """(words, markdown elements) of an answer: the style features a controlled fit uses."""
    return float(len(text.split())), float(len(_MARKDOWN.findall(text)))


def design(verdicts: Sequence[PairVerdict], models: Sequence[str],
           style: Mapping[str, tuple[float, float]] | None = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, row weights, question index of each row): a tie is two half-weighted rows."""
    col = {m: i for i, m in enumerate(models)}
    questions = sorted({v.question_id for v in verdicts})
    qidx = {q: i for i, q in enumerate(questions)}
    k = 0 if style is None else 2
    rows, ys, ws, qs = [], [], [], []
    for v in verdicts:
        x = np.zeros(len(models) + k)
        x[col[v.model_a]], x[col[v.model_b]] = 1.0, -1.0
        if style is not None:
            sa, sb = style[v.answer_key_a], style[v.answer_key_b]
            x[len(models):] = [(a - b) / (a + b) if a + b else 0.0
                               for a, b in zip(sa, sb, strict=True)]
        outcomes = [(1.0, 1.0)] if v.verdict == "a" else [(0.0, 1.0)] if v.verdict == "b" \
            else [(1.0, 0.5), (0.0, 0.5)]
        for y, w in outcomes:
            rows.append(x)
            ys.append(y)
            ws.append(w)
            qs.append(qidx[v.question_id])
    X = np.array(rows).reshape(len(rows), len(models) + k)
    if k:
        sd = X[:, len(models):].std(axis=0)
        X[:, len(models):] = X[:, len(models):] / np.where(sd > 0, sd, 1.0)
    return X, np.array(ys), np.array(ws), np.array(qs, dtype=int)


def fit(X: np.ndarray, y: np.ndarray, w: np.ndarray, iterations: int = 50,
        start: np.ndarray | None = None) -> np.ndarray:
    """Ridge-penalised logistic regression without intercept, by Newton's method (from
    `start`, e.g. the full data's fit for a resample: fewer steps, the same optimum)."""
    theta = np.zeros(X.shape[1]) if start is None else start.copy()
    ridge = RIDGE * np.eye(X.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ theta)))
        grad = X.T @ (w * (y - p)) - ridge @ theta
        hess = (X * (w * p * (1 - p))[:, None]).T @ X + ridge
        step = np.linalg.solve(hess, grad)
        theta += step
        if np.abs(step).max() < 1e-6:  # 1e-6 in a coefficient is 1e-4 Elo points
            break
    return theta


def to_scores(betas: np.ndarray, anchor: int | None) -> np.ndarray:
    """Elo-scale scores from model coefficients [..., models], anchored."""
    ref = betas[..., anchor] if anchor is not None else betas.mean(axis=-1)
    return BASE + SCALE * (betas - np.asarray(ref)[..., None])


def bt_scores(verdicts: Sequence[PairVerdict], counts: np.ndarray | None = None,
              baseline: str | None = None,
              style: Mapping[str, tuple[float, float]] | None = None
              ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(models, point scores [m], bootstrap scores [B, m]) for one judge's verdicts.

    counts[b, q]: how often question q (sorted question ids of the verdicts) is drawn in
    resample b; None gives no resamples.
    """
    models = sorted({v.model_a for v in verdicts} | {v.model_b for v in verdicts})
    anchor = models.index(baseline) if baseline in models else None
    X, y, w, q = design(verdicts, models, style)
    m = len(models)
    # Identical rows (same pair, same outcome, same style) add their weights: one row each.
    rows, group = np.unique(np.column_stack([X, y]), axis=0, return_inverse=True)
    group = group.ravel()
    Xu, yu = rows[:, :-1], rows[:, -1]
    theta = fit(Xu, yu, np.bincount(group, w, len(rows)))
    point = to_scores(theta[:m], anchor)
    if counts is None:
        return models, point, np.empty((0, m))
    boot = np.array([to_scores(fit(Xu, yu, np.bincount(group, w * c[q], len(rows)),
                                   start=theta)[:m], anchor) for c in counts])
    return models, point, boot


def win_rates(verdicts: Sequence[PairVerdict], baseline: str, counts: np.ndarray | None
              ) -> dict[str, tuple[float, np.ndarray, int]]:
    """Per model: (share of comparisons with the baseline won, a tie counting half;
    its bootstrap values [B]; comparisons)."""
    questions = sorted({v.question_id for v in verdicts})
    qidx = {qid: i for i, qid in enumerate(questions)}
    out = {}
    for model in sorted({v.model_a for v in verdicts} | {v.model_b for v in verdicts}):
        if model == baseline:
            continue
        mine = [v for v in verdicts if {v.model_a, v.model_b} == {model, baseline}]
        if not mine:
            continue
        won = np.array([1.0 if v.verdict == ("a" if v.model_a == model else "b") else
                        0.5 if v.verdict == "tie" else 0.0 for v in mine])
        q = np.array([qidx[v.question_id] for v in mine])
        boot = np.empty(0) if counts is None else \
            (counts[:, q] @ won) / np.maximum(counts[:, q].sum(axis=1), 1e-12)
        if counts is not None:
            boot[counts[:, q].sum(axis=1) == 0] = np.nan
        out[model] = (float(won.mean()), boot, len(mine))
    return out
