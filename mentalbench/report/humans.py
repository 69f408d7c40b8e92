"""Judges checked against people: per LLM judge and metric, agreement with the human raters
(judges named human:<rater>) and the humans' agreement among themselves as the ceiling.

Units are (answer, human) pairs: the judge is compared with each rater in turn and the pairs
are pooled; the ceiling pools every pair of raters the same way, so the two are comparable.
Intervals come from the report's shared question bootstrap.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..results.bootstrap import Draws, interval
from .agreement import by_question, interval_alpha, interval_stats
from .cube import Cube

HUMAN = "human:"
CEILING = "(humans)"
COLUMNS = ["metric", "judge", "raters", "n", "alpha", "alpha_low", "alpha_high", "exact",
           "exact_low", "exact_high", "within1", "within1_low", "within1_high", "offset",
           "offset_low", "offset_high"]


def is_human(label: str) -> bool:
    return label.startswith(HUMAN)


def _row(pairs: list[tuple[np.ndarray, np.ndarray]], n_questions: int, draws: Draws) -> dict:
    """Pooled agreement of (a, b) rating arrays [models, questions] (NaN: none)."""
    values, qs = [], []
    for a, b in pairs:
        both = ~np.isnan(a) & ~np.isnan(b)
        values.append(np.column_stack([a[both], b[both]]))
        qs.append(np.broadcast_to(np.arange(a.shape[1]), a.shape)[both])
    v, q = np.concatenate(values), np.concatenate(qs)
    if len(v) < 2:
        return {}
    diff = v[:, 0] - v[:, 1]
    per_q = by_question(np.column_stack([np.ones(len(v)), diff == 0, np.abs(diff) <= 1, diff]),
                        q, n_questions)
    boot = draws.counts @ per_q
    point = per_q.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = boot[:, 1:] / boot[:, :1]
    low, high = interval(shares)
    stats = by_question(interval_stats(v), q, n_questions)
    a_low, a_high = interval(interval_alpha(draws.counts @ stats))
    out = {"n": len(v), "alpha": float(interval_alpha(stats.sum(axis=0, keepdims=True))[0]),
           "alpha_low": a_low, "alpha_high": a_high}
    for i, name in enumerate(("exact", "within1", "offset")):
        out.update({name: point[i + 1] / point[0], f"{name}_low": low[i],
                    f"{name}_high": high[i]})
    return out


def human_table(cube: Cube, draws: Draws) -> pd.DataFrame:
    """Per metric: each LLM judge against the raters (offset: judge less human, > 0 means the
    judge rates higher), and the raters against one another (the ceiling)."""
    humans = [i for i, j in enumerate(cube.judges) if is_human(j)]
    judges = [cube.judges.index(j) for j in cube.real_judges if not is_human(j)]
    if not humans:
        return pd.DataFrame(columns=COLUMNS)
    n = len(cube.questions)
    rows = []
    for k, metric in enumerate(cube.metrics):
        groups = [(cube.judges[j], [(cube.scores[j, k], cube.scores[h, k]) for h in humans])
                  for j in judges]
        if len(humans) > 1:
            groups.append((CEILING, [(cube.scores[a, k], cube.scores[b, k])
                                     for a, b in itertools.combinations(humans, 2)]))
        for judge, pairs in groups:
            stats = _row(pairs, n, draws)
            if stats:
                rows.append({"metric": metric, "judge": judge, "raters": len(humans), **stats})
    return pd.DataFrame(rows, columns=COLUMNS)
