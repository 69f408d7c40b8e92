"""Pass rates: cluster-adjusted Wilson intervals, and one unit (answers) for n and n_na."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("statsmodels")

from statsmodels.stats.proportion import proportion_confint  # noqa: E402

from mentalbench.report.analysis import analyse  # noqa: E402
from mentalbench.report.options import ReportOptions  # noqa: E402
from mentalbench.results.rates import wilson_cluster  # noqa: E402

from ..report_data import synthetic_results  # noqa: E402


def test_zero_of_58_has_a_positive_upper_bound():
    rate, low, high = wilson_cluster(np.zeros(58), np.ones(58))
    assert rate == 0 and low == 0
    assert high == pytest.approx(proportion_confint(0, 58, method="wilson")[1])
    assert 0.05 < high < 0.07


def test_one_answer_a_question_is_the_plain_wilson_interval():
    passes = np.r_[np.ones(30), np.zeros(20)]
    rate, low, high = wilson_cluster(passes, np.ones(50))
    assert rate == 0.6
    assert (low, high) == pytest.approx(proportion_confint(30, 50, method="wilson"))


def test_answers_that_share_a_question_widen_the_interval():
    # Three samples a question that always agree carry one question's worth of information.
    per_question = np.r_[np.ones(12), np.zeros(8)]
    rate, low, high = wilson_cluster(3 * per_question, np.full(20, 3.0))
    assert rate == 0.6
    assert (low, high) == pytest.approx(proportion_confint(12, 20, method="wilson"))
    naive = proportion_confint(36, 60, method="wilson")
    assert high - low > naive[1] - naive[0]
    # All pass, three to a question: still an interval below 1, as wide as 20 questions give.
    _, low, high = wilson_cluster(np.full(20, 3.0), np.full(20, 3.0))
    assert high == pytest.approx(1) and low == pytest.approx(
        proportion_confint(20, 20, method="wilson")[0])


def test_checks_csv_counts_answers_in_n_and_n_na():
    results = synthetic_results(models=2, questions=10, samples=2, crisis_every=2,
                                judges=("gpt4",))
    table = analyse(results, ReportOptions(resamples=100)).checks
    row = table[(table["kind"] == "all") & (table["model"] == "model-00")].iloc[0]
    raw = results.checks[results.checks["model"] == "model-00"]
    assert row["n"] == (raw["status"] != "na").sum() == 10  # 5 crisis questions x 2 samples
    assert row["n_na"] == (raw["status"] == "na").sum() == 10
    assert row["n_questions"] == 5
    assert row["ci_low"] <= row["pass_rate"] <= row["ci_high"]
