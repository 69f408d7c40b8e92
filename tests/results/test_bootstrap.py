"""stat_interval: any statistic over units, from the same draws as every interval of a mean."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mentalbench.results.bootstrap import mean_interval, stat_interval


def test_for_the_mean_it_is_mean_interval():
    values = np.random.default_rng(3).normal(5, 2, 37)
    assert stat_interval(values) == pytest.approx(mean_interval(values), abs=1e-12)


def test_a_median_interval_holds_the_median_and_missing_values_are_dropped():
    values = [1.0, 2.0, 2.0, 3.0, 8.0, 9.0, float("nan")]
    low, high = stat_interval(values, np.median)
    assert low <= np.nanmedian(values) <= high
    assert (low, high) == stat_interval(values[:-1], np.median)


def test_fewer_than_two_units_give_no_interval():
    assert all(math.isnan(x) for x in stat_interval([4.0, float("nan")]))
