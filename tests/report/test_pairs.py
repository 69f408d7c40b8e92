"""Why a pair's interval and its Holm-adjusted p can disagree (docs/report.md, pairs.csv)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy")
pytest.importorskip("statsmodels")

from mentalbench.report.cube import Cube  # noqa: E402
from mentalbench.report.pairs import pair_table  # noqa: E402
from mentalbench.results.bootstrap import draw  # noqa: E402


def _cube(scores: np.ndarray) -> Cube:
    """A one-judge cube of scores [metric, model, question]."""
    k, m, n = scores.shape
    return Cube(scores[None], ("j",), tuple(f"k{i}" for i in range(k)),
                tuple(f"m{i}" for i in range(m)), tuple(f"q{i}" for i in range(n)),
                ("",) * n, ((),) * n, np.full((m, n), np.log(100.0)), np.full(m, 100.0))


def _excludes_zero(row) -> bool:
    return row["ci_low"] > 0 or row["ci_high"] < 0


def test_an_interval_excluding_zero_can_fail_holm_over_many_metrics():
    # One metric with a modest real difference among twenty: on its own the interval excludes
    # 0 and p < 0.05; Holm over the judge's twenty comparisons does not let it through.
    rng = np.random.default_rng(5)
    n = 60
    base = rng.normal(6, 1, (20, 1, n))
    other = base + rng.normal(0, 1, (20, 1, n))
    other[0] += 0.3
    pairs = pair_table(_cube(np.concatenate([other, base], axis=1)), draw(n, 2000, 0))
    row = pairs.set_index("metric").loc["k0"]
    assert _excludes_zero(row) and row["p"] < 0.05
    assert row["p_holm"] >= 0.05


def test_ranks_and_mean_can_disagree():
    # Fifty questions a point better, ten five points worse: the mean difference is 0 (its
    # interval covers 0), the signed ranks say "better" (p < 0.05).
    d = np.r_[np.ones(50), np.full(10, -5.0)]
    base = np.full(60, 5.0)
    pairs = pair_table(_cube(np.stack([base + d, base])[None]), draw(60, 2000, 0))
    row = pairs.iloc[0]
    assert row["diff"] == pytest.approx(0.0)
    assert not _excludes_zero(row)
    assert row["p_holm"] < 0.05 and row["effect"] > 0
