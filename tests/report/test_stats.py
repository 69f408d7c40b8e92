"""The report's statistics, each against an independent computation on data with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("scipy")
pytest.importorskip("krippendorff")
pytest.importorskip("pingouin")
pytest.importorskip("statsmodels")

from scipy import stats  # noqa: E402

from mentalbench.report.agreement import (
    _package_alpha,
    coincidences,
    interval_alpha,
    interval_stats,
    ordinal_alpha,
)
from mentalbench.report.analysis import analyse  # noqa: E402
from mentalbench.report.cube import PANEL, build_cube, select  # noqa: E402
from mentalbench.report.length import _betas, _model_inverse  # noqa: E402
from mentalbench.report.options import ReportOptions  # noqa: E402
from mentalbench.report.pairs import holm, pair_boot, rank_biserial, wilcoxon_pratt  # noqa: E402
from mentalbench.results.bootstrap import draw, interval, point_means, weighted_means  # noqa: E402

from ..report_data import Plan, synthetic_results  # noqa: E402

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
# Communication Departmental Papers 43, section C: four observers, twelve units, values 1-5,
# some missing. Published: nominal .743, ordinal .815, interval .849, ratio .797.
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
    [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
])  # observers x units


# -- the shared bootstrap ----------------------------------------------------------------

def test_draws_are_counts_of_one_seeded_index_matrix():
    d = draw(7, 50, seed=3)
    index = np.random.default_rng(3).integers(0, 7, size=(50, 7))
    expected = np.stack([np.bincount(row, minlength=7) for row in index])
    assert np.array_equal(d.counts, expected)
    assert (d.counts.sum(axis=1) == 7).all()
    assert np.array_equal(draw(7, 50, seed=3).counts, d.counts)
    assert not np.array_equal(draw(7, 50, seed=4).counts, d.counts)


def test_weighted_means_equal_resampling_by_index():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(12, 3))
    values[rng.random(values.shape) < 0.2] = np.nan
    d = draw(12, 20, seed=1)
    index = np.random.default_rng(1).integers(0, 12, size=(20, 12))
    direct = np.array([np.nanmean(values[row], axis=0) for row in index])
    assert np.allclose(weighted_means(d.counts, values), direct, equal_nan=True)
    assert np.allclose(point_means(values), np.nanmean(values, axis=0))


def test_interval_is_the_percentile_interval_leaving_out_nan_resamples():
    boot = np.random.default_rng(4).normal(size=(400, 3, 2))
    boot[:25, 1, 0] = np.nan  # a subset no question of which the first 25 draws reached
    boot[:, 2, 1] = np.nan
    low, high = interval(boot)
    assert low.shape == (3, 2)
    assert low[0, 0] == pytest.approx(np.percentile(boot[:, 0, 0], 2.5))
    assert high[1, 0] == pytest.approx(np.percentile(boot[25:, 1, 0], 97.5))
    assert np.isnan(low[2, 1]) and np.isnan(high[2, 1])


def _simulate(rng, n, models=3):
    """Scores with question effects shared by all models (so pairing matters)."""
    truth = np.array([5.0, 5.5, 6.5])[:models]
    question = rng.normal(0, 1.5, n)
    return truth, truth[:, None] + question[None, :] + rng.normal(0, 1.0, (models, n))


def test_interval_coverage_is_near_95_percent():
    """200 simulated benchmarks of 40 questions: the 95% intervals should cover ~95% of truths.

    Tolerance: with 200 simulations the binomial standard error of a coverage of 0.95 is 1.5
    points; the percentile bootstrap at n = 40 runs about one point short (it uses the
    plug-in variance and normal-like tails, where t(39) has heavier ones). So each of the
    seven coverages (three means, three paired differences, pooled) must lie in
    [0.90, 0.985], three standard errors from the nominal value.
    """
    rng = np.random.default_rng(2024)
    a, b = np.array([0, 0, 1]), np.array([1, 2, 2])
    hits = np.zeros(6)
    for sim in range(200):
        truth, scores = _simulate(rng, 40)
        d = draw(40, 1000, seed=sim)
        low, high = interval(weighted_means(d.counts, scores.T))
        hits[:3] += (low <= truth) & (truth <= high)
        dl, dh = interval(pair_boot(d.counts, scores, a, b))
        delta = truth[a] - truth[b]
        hits[3:] += (dl <= delta) & (delta <= dh)
    coverage = hits / 200
    assert ((coverage >= 0.90) & (coverage <= 0.985)).all(), coverage
    assert 0.92 <= coverage.mean() <= 0.975


def test_paired_difference_interval_is_narrower_than_the_means():
    truth, scores = _simulate(np.random.default_rng(5), 60)
    d = draw(60, 2000, seed=0)
    low, high = interval(weighted_means(d.counts, scores.T))
    dl, dh = interval(pair_boot(d.counts, scores, np.array([0]), np.array([1])))
    # Question effects (sd 1.5, noise sd 1) cancel in the paired difference: its width is
    # about sqrt(2 / (2 * 3.25)) = 0.55 of what two independent means would give.
    unpaired = np.hypot(high[0] - low[0], high[1] - low[1])
    assert (dh - dl)[0] < 0.7 * unpaired


def test_bootstrap_agrees_with_student_t_on_a_large_sample():
    x = np.random.default_rng(11).normal(6, 2, 400)
    d = draw(400, 4000, seed=0)
    low, high = interval(weighted_means(d.counts, x[:, None]))
    half = stats.t.ppf(0.975, 399) * x.std(ddof=1) / np.sqrt(400)
    assert low[0] == pytest.approx(x.mean() - half, abs=0.08 * half)
    assert high[0] == pytest.approx(x.mean() + half, abs=0.08 * half)


def test_pair_boot_equals_direct_means_of_differences_with_gaps():
    rng = np.random.default_rng(3)
    v = rng.integers(1, 11, size=(4, 30)).astype(float)
    v[rng.random(v.shape) < 0.15] = np.nan
    a, b = np.triu_indices(4, 1)
    d = draw(30, 25, seed=9)
    direct = weighted_means(d.counts, (v[a] - v[b]).T)
    assert np.allclose(pair_boot(d.counts, v, a, b), direct, equal_nan=True)


# -- tests and effect sizes --------------------------------------------------------------

def test_wilcoxon_pratt_matches_scipy_row_by_row():
    rng = np.random.default_rng(0)
    d = rng.integers(-3, 4, size=(80, 120)).astype(float) + rng.choice([0, 0.5], (80, 120))
    d[rng.random(d.shape) < 0.1] = np.nan
    d[:20, 70:] = np.nan  # rows of 50 values or fewer
    d[20:30, 12:] = np.nan  # rows of 13 or fewer, with ties
    d[30:40, :] = np.nan
    d[30:40, :30] = rng.permutation(np.arange(1, 31))[None] * rng.choice([-1, 1], (10, 30))
    d[40, :] = 0.0
    ours = wilcoxon_pratt(d)
    for i, row in enumerate(d):
        x = row[~np.isnan(row)]
        if i == 40:
            assert ours[i] == 1.0  # every difference zero: no evidence of one
            continue
        # scipy runs a slow permutation test for 13 or fewer values with ties; not we.
        method = "asymptotic" if 20 <= i < 30 else "auto"
        expected = stats.wilcoxon(x, zero_method="pratt", method=method).pvalue
        assert ours[i] == pytest.approx(expected, rel=1e-10), i


def test_holm_against_the_step_down_definition():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan, 0.2])
    ok = ~np.isnan(p)
    order = np.argsort(p[ok])
    m = ok.sum()
    stepped = np.maximum.accumulate([(m - i) * p[ok][j] for i, j in enumerate(order)])
    expected = np.empty(m)
    expected[order] = np.minimum(stepped, 1)
    out = holm(p)
    assert np.isnan(out[4])
    assert np.allclose(out[ok], expected)


def test_rank_biserial_by_hand():
    # |d| = 1, 2, 3, 0 ranks (zeros ranked, pratt) 2, 3, 4, 1: R+ = 2 + 4, R- = 3.
    assert rank_biserial(np.array([[1.0, -2.0, 3.0, 0.0]]))[0] == pytest.approx(3 / 9)
    assert rank_biserial(np.array([[1.0, 2.0, np.nan]]))[0] == 1.0
    assert rank_biserial(np.array([[0.0, 0.0]]))[0] == 0.0


# -- agreement ---------------------------------------------------------------------------

def test_krippendorff_published_example():
    units = KRIPPENDORFF_2011.T
    domain = np.unique(units[~np.isnan(units)])
    vectorised_interval = interval_alpha(interval_stats(units).sum(axis=0, keepdims=True))[0]
    vectorised_ordinal = ordinal_alpha(coincidences(units, domain).sum(axis=0)[None])[0]
    assert round(vectorised_interval, 3) == 0.849
    assert round(vectorised_ordinal, 3) == 0.815
    assert round(_package_alpha(units, "interval", len(domain)), 3) == 0.849
    assert round(_package_alpha(units, "ordinal", len(domain)), 3) == 0.815


def test_vectorised_alpha_equals_the_package_on_random_ratings():
    import krippendorff

    rng = np.random.default_rng(7)
    x = rng.integers(1, 11, size=(300, 3)).astype(float)
    x[:, 1] = np.clip(x[:, 0] + rng.integers(-1, 2, 300), 1, 10)
    x[rng.random(x.shape) < 0.2] = np.nan
    domain = np.unique(x[~np.isnan(x)])
    assert interval_alpha(interval_stats(x).sum(0, keepdims=True))[0] == pytest.approx(
        krippendorff.alpha(x.T, level_of_measurement="interval"), abs=1e-12)
    assert ordinal_alpha(coincidences(x, domain).sum(0)[None])[0] == pytest.approx(
        krippendorff.alpha(x.T, level_of_measurement="ordinal"), abs=1e-12)


def test_weighted_alpha_equals_the_package_on_the_resampled_units():
    import krippendorff

    rng = np.random.default_rng(8)
    x = np.clip(rng.integers(3, 9, size=(50, 1)) + rng.integers(-1, 2, (50, 2)), 1, 10)
    x = x.astype(float)
    weights = rng.integers(0, 3, 50).astype(float)
    replicated = np.repeat(x, weights.astype(int), axis=0)
    domain = np.unique(x)
    got = interval_alpha(weights[None] @ interval_stats(x))[0]
    assert got == pytest.approx(krippendorff.alpha(replicated.T), abs=1e-12)
    flat = coincidences(x, domain).reshape(50, -1)
    got = ordinal_alpha((weights[None] @ flat).reshape(1, len(domain), len(domain)))[0]
    assert got == pytest.approx(krippendorff.alpha(
        replicated.T, level_of_measurement="ordinal", value_domain=domain), abs=1e-12)


def _icc_by_mean_squares(a, b):
    """McGraw and Wong (1996) ICC(A,1) and ICC(C,1) from the two-way ANOVA mean squares."""
    y = np.column_stack([a, b])
    n, k = y.shape
    grand = y.mean()
    msr = k * ((y.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((y.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    resid = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + grand
    mse = (resid ** 2).sum() / ((n - 1) * (k - 1))
    return ((msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
            (msr - mse) / (msr + (k - 1) * mse))


def test_a_harsh_judge_shows_as_consistency_well_above_agreement():
    results = synthetic_results(models=5, questions=60, judge_offset={"gemini": -2.5},
                                noise=0.6, integer=False)
    a = analyse(results, ReportOptions(resamples=300, metrics=("metrics_mean",)))
    row = a.agreement.iloc[0]
    assert (row.judge_a, row.judge_b) == ("gemini", "gpt4")
    assert row.icc_c1 > 0.8 and row.icc_c1 - row.icc_a1 > 0.3
    assert row.bias == pytest.approx(-2.5, abs=0.1)
    assert row.alpha_interval < row.icc_c1
    k = a.cube.metrics.index("metrics_mean")
    ga, gb = a.cube.scores[0, k].ravel(), a.cube.scores[1, k].ravel()
    icc_a, icc_c = _icc_by_mean_squares(ga, gb)
    assert (row.icc_a1, row.icc_c1) == (pytest.approx(icc_a), pytest.approx(icc_c))
    assert row.tau_models == pytest.approx(stats.kendalltau(
        a.means.point[0, k], a.means.point[1, k])[0])


# -- length ------------------------------------------------------------------------------

def test_planted_length_effect_is_recovered_and_removed():
    # Longer models are worse at heart: raw means reorder them, LC restores the true order.
    effect = (0.0, 0.4, 0.8, 1.2)
    plan = Plan(models=4, questions=120, model_effect=effect, length_beta=1.5,
                model_log_length=(1.2, 0.6, -0.1, -0.9), noise=0.5, integer=False)
    a = analyse(synthetic_results(plan), ReportOptions(resamples=1000,
                                                       metrics=("metrics_mean",)))
    fit = a.fits["gpt4", "metrics_mean"]
    assert fit.doubling_low > 0.3  # longer answers rated higher, clearly
    scores = a.scores[(a.scores["judge"] == "gpt4")].set_index("model")
    true_order = ["model-03", "model-02", "model-01", "model-00"]
    assert list(scores.sort_values("lc", ascending=False).index) == true_order
    assert list(scores.sort_values("mean", ascending=False).index) != true_order
    lc, raw = scores.loc[true_order, "lc"].to_numpy(), scores.loc[true_order, "mean"]
    # The planted term is tanh of length relative to each question's mean, not in the family:
    # LC recovers most of the planted 1.2 from top to bottom, where raw means reverse it.
    assert abs(lc[0] - lc[-1] - 1.2) < 0.35 and raw.iloc[0] - raw.iloc[-1] < -0.5
    row = a.length.set_index(["judge", "metric"]).loc[("gpt4", "metrics_mean")]
    assert row.spearman_means_words > 0  # the raw means follow length


def test_no_length_effect_gives_doubling_near_zero():
    plan = Plan(models=4, questions=100, model_log_length=(0.5, 0.0, -0.5, 0.2), noise=0.5,
                integer=False)
    a = analyse(synthetic_results(plan), ReportOptions(resamples=1000,
                                                       metrics=("metrics_mean",)))
    fit = a.fits["gemini", "metrics_mean"]
    assert fit.doubling_low < 0 < fit.doubling_high


def test_length_fit_equals_least_squares_with_dummies_on_unbalanced_data():
    rng = np.random.default_rng(0)
    m, n = 6, 40
    x = np.tanh(rng.normal(size=(m, n)))
    y = rng.normal(size=m)[:, None] + rng.normal(size=n) + 0.7 * x + rng.normal(0, .3, (m, n))
    y[rng.random((m, n)) < 0.2] = np.nan
    present = ~np.isnan(y)
    weights = np.vstack([np.ones(n), rng.integers(0, 3, n)]).astype(float)
    ours = _betas(weights, _model_inverse(weights, present), y, x, present)
    mi, qi = np.nonzero(present)
    design = np.zeros((len(mi), m + n + 1))
    design[np.arange(len(mi)), mi] = 1
    design[np.arange(len(mi)), m + qi] = 1
    design[:, -1] = x[mi, qi]
    for w, beta in zip(weights, ours, strict=True):
        root = np.sqrt(w[qi])
        expected = np.linalg.lstsq(design * root[:, None], y[mi, qi] * root, rcond=None)[0]
        assert beta == pytest.approx(expected[-1], abs=1e-10)


# -- the cube ----------------------------------------------------------------------------

def test_panel_is_the_mean_of_judges_only_where_all_scored():
    results = synthetic_results(models=2, questions=10, partial_every=7)
    section = select(results, ReportOptions(resamples=100))
    cube = build_cube(section, results)
    assert cube.judges == ("gemini", "gpt4", PANEL)
    k = cube.metrics.index("empathy_validation")
    both = ~np.isnan(cube.scores[0, k]) & ~np.isnan(cube.scores[1, k])
    assert (~both).any()
    assert np.allclose(cube.scores[2, k][both], cube.scores[:2, k][:, both].mean(axis=0))
    assert np.isnan(cube.scores[2, k][~both]).all()


def test_samples_are_averaged_within_a_question_first():
    results = synthetic_results(models=2, questions=8, samples=3, judges=("gpt4",))
    a = analyse(results, ReportOptions(resamples=100, metrics=("overall",)))
    rows = results.judgments
    per_question = rows.groupby(["model", "question_id"])["overall"].mean()
    expected = per_question.groupby("model").mean()
    scores = a.scores.set_index("model")
    assert (scores["n"] == 8).all()
    assert np.allclose(scores.loc[expected.index, "mean"], expected)
    assert a.health["answer_sample_sd"].notna().all()


def test_by_tag_means_are_the_subset_means():
    results = synthetic_results(models=3, questions=25)
    a = analyse(results, ReportOptions(resamples=200, metrics=("overall",)))
    crisis = a.by_tag[(a.by_tag["tag"] == "crisis") & (a.by_tag["judge"] == "gpt4")]
    rows = results.judgments
    ids = results.questions.loc[results.questions["tags"].map(lambda t: "crisis" in t),
                                "question_id"]
    direct = rows[(rows["judge"] == "gpt4") & rows["question_id"].isin(ids)].groupby(
        "model")["overall"].mean()
    got = crisis.set_index("model")["mean"]
    assert np.allclose(got[direct.index], direct)
    assert (crisis["ci_low"] <= crisis["mean"]).all() and (crisis["mean"] <= crisis["ci_high"]).all()
    assert set(a.by_tag["kind"]) == {"tag", "topic"}


def test_failing_a_check_lowers_the_judges_safety_ratings():
    results = synthetic_results(models=3, questions=60, crisis_every=2, safety_gap=3.0)
    a = analyse(results, ReportOptions(resamples=500))
    ratings = a.check_ratings.set_index("judge")
    assert list(ratings.index) == ["gemini", "gpt4", PANEL]
    assert (ratings["adjusted_high"] < 0).all() and (ratings["raw_high"] < 0).all()
    assert (ratings["n_fail"] > 0).all() and (ratings["n_pass"] > 0).all()
    checks = a.checks[a.checks["kind"] == "all"].set_index("model")
    raw = results.checks[results.checks["status"] != "na"]
    direct = raw.assign(ok=raw["status"] == "pass").groupby("model")["ok"].mean()
    assert np.allclose(checks.loc[direct.index, "pass_rate"], direct)


def test_leniency_and_partial_values_in_judge_health():
    results = synthetic_results(models=3, questions=20, partial_every=5)
    a = analyse(results, ReportOptions(resamples=100))
    rows = results.judgments[results.judgments["judge"] == "gpt4"]
    scored = rows[rows["status"] == "scored"]
    partial = rows[rows["status"] == "partial"]
    health = a.health[a.health["judge"] == "gpt4"].set_index("metric")
    lenient = (scored["active_listening"] >= 9).mean()
    assert health.loc["active_listening", "leniency"] == pytest.approx(lenient)
    assert health.loc["active_listening", "partial_n"] == len(partial)
    assert health.loc["holistic_approach", "partial_n"] == 0  # unrated in partial rows
    assert health.loc["overall", "partial_share"] == pytest.approx(len(partial) / len(rows))
    corr = np.corrcoef(scored[[k for k in a.section.rubric_keys]].to_numpy(), rowvar=False)
    assert health.loc["overall", "halo"] == pytest.approx(
        corr[~np.eye(len(corr), dtype=bool)].mean())
    assert pd.isna(health.loc["metrics_mean", "leniency"])
