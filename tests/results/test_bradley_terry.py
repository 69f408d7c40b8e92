"""Bradley–Terry against an independent fit, a planted length preference, and win rates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mentalbench.results.bradley_terry import SCALE, bt_scores, design, fit, win_rates
from mentalbench.results.pairwise_stats import PairVerdict


def _verdict(q, a, b, verdict, ka="", kb=""):
    return PairVerdict(q, a, b, ka or f"{a}:{q}", kb or f"{b}:{q}", "j", "m", "overall", verdict,
                       False, 2)


def _simulated(strengths, questions, seed=0):
    rng = np.random.default_rng(seed)
    models = sorted(strengths)
    out = []
    for q in range(questions):
        for i, a in enumerate(models):
            for b in models[i + 1:]:
                p = 1 / (1 + math.exp(-(strengths[a] - strengths[b])))
                out.append(_verdict(f"q{q}", a, b, "a" if rng.random() < p else "b"))
    return out


def test_the_fit_matches_an_independent_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    verdicts = _simulated({"x": 0.0, "y": 0.7, "z": 1.5}, questions=1500)
    X, y, w, _ = design(verdicts, ["x", "y", "z"])
    ours = fit(X, y, w)
    # sklearn: the same penalised likelihood (C = 1 / ridge), no intercept
    ref = LogisticRegression(C=1 / 1e-3, fit_intercept=False, tol=1e-10, max_iter=1000)
    ref.fit(X, y, sample_weight=w)
    assert np.allclose(ours, ref.coef_[0], atol=1e-4)
    diffs = np.diff(ours)
    assert diffs == pytest.approx([0.7, 0.8], abs=0.2)  # planted strengths recovered


def test_scores_are_elo_scaled_and_anchored_on_the_baseline_with_intervals():
    from mentalbench.results.bootstrap import draw

    verdicts = _simulated({"base": 0.0, "good": 1.0}, questions=200, seed=1)
    counts = draw(200, 300, seed=0).counts
    models, point, boot = bt_scores(verdicts, counts, baseline="base")
    assert models == ["base", "good"] and point[0] == 1000
    assert point[1] - 1000 == pytest.approx(SCALE * 1.0, rel=0.3)
    low, high = np.percentile(boot[:, 1], [2.5, 97.5])
    assert low < point[1] < high and low > 1000  # clearly better than the baseline
    assert (boot[:, 0] == 1000).all()


def test_ties_count_half_and_an_all_tie_record_scores_level():
    verdicts = [_verdict(f"q{i}", "a", "b", "tie") for i in range(20)]
    _, point, _ = bt_scores(verdicts)
    assert point == pytest.approx([1000, 1000])
    rates = win_rates(verdicts, "b", None)
    assert rates["a"][0] == 0.5 and rates["a"][2] == 20


def test_style_control_removes_a_planted_preference_for_length():
    # Two models of equal quality; "wordy" is longer on 3 of 4 questions, and the judge prefers
    # the longer answer 4 times in 5. Raw scores favour "wordy"; controlled for length they do not.
    rng = np.random.default_rng(3)
    verdicts, style = [], {}
    for q in range(2000):
        longer = "wordy" if rng.random() < 0.75 else "terse"
        la, lb = (300.0, 100.0) if longer == "wordy" else (100.0, 300.0)
        ka, kb = f"wordy:{q}", f"terse:{q}"
        style[ka], style[kb] = (la, 0.0), (lb, 0.0)
        picked = longer if rng.random() < 0.8 else ({"wordy", "terse"} - {longer}).pop()
        verdicts.append(_verdict(f"q{q}", "wordy", "terse", "a" if picked == "wordy" else "b",
                                 ka, kb))
    models, raw, _ = bt_scores(verdicts, baseline="terse")
    _, styled, _ = bt_scores(verdicts, baseline="terse", style=style)
    gain = raw[models.index("wordy")] - 1000
    assert gain > 100
    assert abs(styled[models.index("wordy")] - 1000) < 0.25 * gain
