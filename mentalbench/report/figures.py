"""The report's figures as inline SVG (matplotlib, no pyplot): one function per figure."""

from __future__ import annotations

import io
import itertools
import re
import warnings
from dataclasses import dataclass

import numpy as np

from .analysis import Analysis
from .cube import METRICS_MEAN, OVERALL
from .dotplots import MANY_MODELS, metric_dots
from .length import REFERENCE_WORDS
from .pairs import ALPHA


@dataclass(frozen=True)
class Figure:
    """One figure of the page: an anchor, a title, what it shows, and its SVG markup."""

    key: str
    title: str
    caption: str
    svg: str


def headline(analysis: Analysis) -> str:
    """The metric the single-metric figures show: metrics_mean when reported."""
    metrics = analysis.cube.metrics
    return METRICS_MEAN if METRICS_MEAN in metrics else metrics[0]


def _figure(width: float, height: float):
    from matplotlib.figure import Figure as MplFigure

    return MplFigure(figsize=(width, height), layout="constrained")


def _svg(fig, key: str) -> str:
    import matplotlib

    # Text stays text (small, searchable); ids are salted per figure so that several
    # inline SVGs on one page never share a clip-path or marker id.
    from matplotlib.text import Text

    from ..store.escaping import terminal_text

    # Names are text, never TeX: a model called "$x^2$" is drawn as typed, not parsed as math
    # (texts made so far are switched off; those drawing makes, like ticks, by the rc setting).
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        if terminal_text(text.get_text()) != text.get_text():  # no control characters in SVG
            text.set_text(terminal_text(text.get_text()))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            if any(terminal_text(label) != label for label in labels):
                axis.set_ticks(axis.get_ticklocs(), [terminal_text(x) for x in labels])
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key,
                                "text.parse_math": False}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _colors(n: int):
    from matplotlib import colormaps

    cmap = colormaps["tab10"]  # bars are drawn for at most MANY_MODELS models
    return [cmap(i % cmap.N) for i in range(n)]


def grouped_bars(a: Analysis, names: dict[str, str] | None = None) -> Figure:
    """Appendix-B bars: metric x model, one panel per judge and the panel, 95% whiskers; beyond
    MANY_MODELS, sorted dot plots, one panel per metric (colour per model stops reading)."""
    names = names or {}
    cube, scores = a.cube, a.scores
    metrics = [k for k in cube.metrics if k != METRICS_MEAN] or list(cube.metrics)
    models = list(cube.models)
    if len(models) > MANY_MODELS:
        head = headline(a)
        return Figure("bars", "Mean rating per metric and model",
                      f"One panel per metric; models sorted by {names.get(head, head)} "
                      f"({'the panel of judges' if 'panel' in cube.judges else cube.judges[0]}"
                      "), best at the top. Dots: means over questions, one colour per judge; "
                      "lines: 95% bootstrap intervals.",
                      metric_dots(a, names, _figure, _svg, _wrap, head))
    # Wide enough for each metric's name (up to 15 letters a line at 8 pt) under its group.
    fig = _figure(max(1.35 * len(metrics) + 2.5, 0.12 * len(models) * len(metrics) + 3),
                  2.6 * len(cube.judges) + 0.6)
    axes = fig.subplots(len(cube.judges), 1, squeeze=False, sharey=True)[:, 0]
    width = 0.8 / len(models)
    colors = _colors(len(models))
    for ax, judge in zip(axes, cube.judges, strict=True):
        part = scores[scores["judge"] == judge].set_index(["metric", "model"])
        for i, model in enumerate(models):
            rows = [part.loc[(k, model)] if (k, model) in part.index else None for k in metrics]
            mean = np.array([r["mean"] if r is not None else np.nan for r in rows])
            low = np.array([r["ci_low"] if r is not None else np.nan for r in rows])
            high = np.array([r["ci_high"] if r is not None else np.nan for r in rows])
            x = np.arange(len(metrics)) - 0.4 + width * (i + 0.5)
            ax.bar(x, mean, width, color=colors[i] if len(models) > 1 else "#1f5f8b",
                   label=model)
            ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="none", ecolor="#333",
                        elinewidth=0.7, capsize=1.5)
        ax.set_title(judge, loc="left", fontsize=10)
        ax.set_ylim(1, 10.3)
        ax.set_ylabel("mean rating")
        ax.set_xticks(np.arange(len(metrics)), [_wrap(names.get(k, k)) for k in metrics],
                      fontsize=8)
    if len(models) > 1:  # one model: its name is the page's; a legend would say nothing
        axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)
    return Figure("bars", "Mean rating per metric and model",
                  "One panel per judge (and the panel of judges); whiskers: 95% bootstrap "
                  "intervals over questions.", _svg(fig, "bars"))


def forest(a: Analysis, metric: str) -> Figure:
    """Each model's mean with its interval, one column per judge, best at the top."""
    judges = a.cube.judges
    fig = _figure(3.2 * len(judges) + 1.5, 0.22 * len(a.cube.models) + 1.2)
    axes = fig.subplots(1, len(judges), squeeze=False, sharey=True)[0]
    part = a.scores[a.scores["metric"] == metric]
    first = part[part["judge"] == judges[-1]].sort_values("mean")
    order = {m: i for i, m in enumerate(first["model"])}
    for model in a.cube.models:
        order.setdefault(model, len(order))
    for ax, judge in zip(axes, judges, strict=True):
        rows = part[part["judge"] == judge]
        y = rows["model"].map(order).to_numpy()
        ax.errorbar(rows["mean"], y, xerr=[rows["mean"] - rows["ci_low"],
                                            rows["ci_high"] - rows["mean"]],
                    fmt="o", ms=3.5, color="#1f5f8b", ecolor="#7aa6c2", capsize=2)
        ax.set_title(judge, fontsize=10)
        ax.set_xlabel(metric.replace("_", " "))
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(list(order.values()), list(order), fontsize=8)
    return Figure("forest", f"Forest plot: {metric}",
                  "Dots: means over questions; lines: 95% bootstrap intervals. Two intervals "
                  "that overlap say nothing about the difference: see the pairwise heatmap.",
                  _svg(fig, "forest"))


def delta_heatmap(a: Analysis, judge: str, metric: str) -> Figure:
    """Pairwise mean differences (row minus column); * where Holm-adjusted p < 0.05."""
    models = list(a.cube.models)
    index = {m: i for i, m in enumerate(models)}
    delta = np.full((len(models), len(models)), np.nan)
    marks = np.zeros_like(delta, dtype=bool)
    rows = a.pairs[(a.pairs["judge"] == judge) & (a.pairs["metric"] == metric)]
    for r in rows.itertuples():
        i, j = index[r.model_a], index[r.model_b]
        delta[i, j], delta[j, i] = r.diff, -r.diff
        marks[i, j] = marks[j, i] = r.p_holm < ALPHA
    size = 0.2 * len(models) + 2.2
    fig = _figure(size + 1, size)
    ax = fig.subplots()
    limit = np.nanmax(np.abs(delta)) if np.isfinite(delta).any() else 1.0
    # interpolation "none": the SVG carries the M x M pixels themselves, scaled by the viewer.
    image = ax.imshow(delta, cmap="RdBu", vmin=-limit, vmax=limit, interpolation="none")
    rows_marked, cols_marked = np.nonzero(marks)
    ax.scatter(cols_marked, rows_marked, marker="*", s=28, color="#222", linewidths=0)
    ax.set_xticks(range(len(models)), models, rotation=90, fontsize=6)
    ax.set_yticks(range(len(models)), models, fontsize=6)
    fig.colorbar(image, ax=ax, shrink=0.7, label="row - column")
    key = f"delta-{_slug(judge)}"
    return Figure(key, f"Pairwise differences: {judge}, {metric}",
                  "Mean difference over the questions both models answered; * marks "
                  "differences significant after Holm's correction over all pairs and metrics "
                  "of this judge (Wilcoxon signed-rank, pratt).", _svg(fig, key))


def _wrap(key: str, width: int = 12) -> str:
    """A metric key as a tick label of short lines."""
    import textwrap

    return "\n".join(textwrap.wrap(key.replace("_", " "), width, break_long_words=False))


def _label(names: dict[str, str], key: str) -> str:
    return names.get(key, key.replace("_", " "))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _pair_values(a: Analysis, ja: str, jb: str, metric: str):
    cube = a.cube
    k = cube.metrics.index(metric)
    va, vb = cube.scores[cube.judges.index(ja), k], cube.scores[cube.judges.index(jb), k]
    both = ~np.isnan(va) & ~np.isnan(vb)
    return va[both], vb[both]


def judge_heatmap(a: Analysis, ja: str, jb: str) -> Figure:
    """How often judge A gave each rating when judge B gave each, pooled over rubric metrics."""
    keys = [k for k in a.cube.metrics if k not in (METRICS_MEAN, OVERALL)] or [a.cube.metrics[0]]
    pairs = [_pair_values(a, ja, jb, k) for k in keys]
    x = np.rint(np.concatenate([p[0] for p in pairs])).clip(1, 10)
    y = np.rint(np.concatenate([p[1] for p in pairs])).clip(1, 10)
    counts = np.zeros((10, 10))
    np.add.at(counts, (y.astype(int) - 1, x.astype(int) - 1), 1)
    fig = _figure(5.2, 4.4)
    ax = fig.subplots()
    image = ax.imshow(counts, origin="lower", cmap="Blues", extent=(0.5, 10.5, 0.5, 10.5))
    ax.plot([0.5, 10.5], [0.5, 10.5], color="#999", lw=0.8)
    ax.set_xlabel(f"{ja} rating")
    ax.set_ylabel(f"{jb} rating")
    row = a.agreement[(a.agreement["judge_a"] == ja) & (a.agreement["judge_b"] == jb)
                      & (a.agreement["metric"] == headline(a))]
    if not row.empty:
        r = row.iloc[0]
        ax.set_title(f"{headline(a)}: alpha {r.alpha_interval:.2f} "
                     f"[{r.alpha_low:.2f}, {r.alpha_high:.2f}], ICC(A,1) {r.icc_a1:.2f}, "
                     f"ICC(C,1) {r.icc_c1:.2f}", fontsize=8)
    fig.colorbar(image, ax=ax, shrink=0.8, label="ratings")
    key = f"judges-{_slug(ja)}-{_slug(jb)}"
    return Figure(key, f"{ja} against {jb}",
                  "Counts of rating pairs on the same answer, all rubric metrics pooled; the "
                  "diagonal is exact agreement.", _svg(fig, key))


def bland_altman(a: Analysis, ja: str, jb: str, metric: str) -> Figure:
    """Difference against mean of two judges on each answer, with bias and 95% limits."""
    x, y = _pair_values(a, ja, jb, metric)
    fig = _figure(5.2, 3.6)
    ax = fig.subplots()
    jitter = np.random.default_rng(0).uniform(-0.08, 0.08, (2, len(x)))
    ax.scatter((x + y) / 2 + jitter[0], x - y + jitter[1], s=4, alpha=0.35, color="#1f5f8b",
               rasterized=True)
    if len(x) > 1:
        d = x - y
        bias, sd = d.mean(), d.std(ddof=1)
        for value, style in ((bias, "-"), (bias - 1.96 * sd, "--"), (bias + 1.96 * sd, "--")):
            ax.axhline(value, color="#c0392b", ls=style, lw=1)
        ax.set_title(f"bias {bias:+.2f}, limits [{bias - 1.96 * sd:.2f}, "
                     f"{bias + 1.96 * sd:.2f}]", fontsize=9)
    ax.set_xlabel(f"mean of {ja} and {jb} ({metric})")
    ax.set_ylabel(f"{ja} - {jb}")
    key = f"ba-{_slug(ja)}-{_slug(jb)}"
    return Figure(key, f"Bland-Altman: {ja} and {jb}, {metric}",
                  "Each dot an answer (jittered); solid line the mean difference, dashed the "
                  "95% limits of agreement.", _svg(fig, key))


def _two_way(values: np.ndarray) -> np.ndarray:
    """Model plus question effects of values [M, n] by their means (NaN cells left out)."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (np.nanmean(values, axis=1, keepdims=True) + np.nanmean(values, axis=0,
                                                                        keepdims=True)
                - np.nanmean(values))


def length_plot(a: Analysis, judge: str, metric: str) -> Figure:
    """Ratings less the model and question effects, against log length, with the fit."""
    cube = a.cube
    y = cube.scores[cube.judges.index(judge), cube.metrics.index(metric)]
    x = cube.log_words
    fit = a.fits.get((judge, metric))
    h = fit.term(x) if fit is not None else np.zeros_like(x)
    # What length explains: the rating less the effects fitted to the rest of it.
    partial = y - _two_way(y - np.nan_to_num(h))
    ok = ~np.isnan(partial) & ~np.isnan(x)
    fig = _figure(5.2, 3.6)
    ax = fig.subplots()
    ax.scatter(np.exp(x[ok]), partial[ok], s=4, alpha=0.3, color="#1f5f8b", rasterized=True)
    ax.set_xscale("log")
    # Plain word counts on the major ticks only: minor labels (3x10^2, 4x10^2) run together.
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    if fit is not None and ok.any():
        grid = np.linspace(x[ok].min(), x[ok].max(), 100)
        line = fit.term(grid)
        ax.plot(np.exp(grid), line - line.mean() + np.nanmean(partial[ok]), color="#c0392b",
                lw=1.5)
        ax.axvline(REFERENCE_WORDS, color="#999", ls=":", lw=1)
        ax.set_title(f"{fit.form.name}: doubling {fit.doubling:+.2f} [{fit.doubling_low:+.2f}, "
                     f"{fit.doubling_high:+.2f}], Spearman(means, words) {fit.spearman:+.2f}",
                     fontsize=8)
    ax.set_xlabel("words (log scale); dotted: the reference length")
    ax.set_ylabel(f"{metric} less model and\nquestion effects")
    key = f"length-{_slug(judge)}"
    return Figure(key, f"Length: {judge}, {metric}",
                  "Each dot an answer: its rating less the fitted model and question effects; "
                  "the line is the length term of the same fit, in the form the data chose.",
                  _svg(fig, key))


def rank_slopes(a: Analysis, metric: str) -> Figure:
    """Raw rank -> length-controlled rank for each model, one panel per judge; each side's
    models are named on that side's axis, one row a model (ties in rank kept apart)."""
    judges = [j for j in a.cube.judges if (j, metric) in a.fits]
    n = len(a.cube.models)
    fig = _figure(3.4 * max(1, len(judges)) + 0.6, 0.2 * n + 1.3)
    fig.get_layout_engine().set(wspace=0.12)  # one panel's right names apart from the next's
    axes = fig.subplots(1, max(1, len(judges)), squeeze=False)[0]
    part = a.scores[a.scores["metric"] == metric]
    for ax, judge in zip(axes, judges, strict=False):
        rows = part[part["judge"] == judge]
        raw = rows.sort_values(["rank", "model"])["model"].tolist()
        lc = rows.sort_values(["lc_rank", "model"])["model"].tolist()
        left, right = {m: i for i, m in enumerate(raw)}, {m: i for i, m in enumerate(lc)}
        for model in raw:
            moved = left[model] != right[model]
            ax.plot([0, 1], [left[model], right[model]], marker="o", ms=3,
                    color="#c0392b" if moved else "#999", lw=1.2 if moved else 0.7)
        ax.set_xlim(-0.05, 1.05)
        ax.set_ylim(len(raw) - 0.5, -0.5)
        ax.set_yticks(range(len(raw)), raw, fontsize=7)
        twin = ax.twinx()
        twin.set_ylim(ax.get_ylim())
        twin.set_yticks(range(len(lc)), lc, fontsize=7)
        ax.set_xticks([0, 1], ["raw", "length-\ncontrolled"], fontsize=8)
        ax.set_title(judge, fontsize=10)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
            twin.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        twin.tick_params(axis="y", length=0)
    return Figure("slopes", f"Rank changes under length control: {metric}",
                  "Left of each panel the raw ranking, right the length-controlled one (best "
                  "at the top). Red: models whose rank moves when every answer is scored at the "
                  "reference length. A sensitivity analysis, not a correction.",
                  _svg(fig, "slopes"))


def all_figures(a: Analysis, names: dict[str, str] | None = None) -> list[Figure]:
    """Every figure of the page, in page order; those comparing models need two of them."""
    metric = headline(a)
    out = [grouped_bars(a, names), forest(a, metric)]
    several = len(a.cube.models) > 1
    if several:
        out += [delta_heatmap(a, judge, metric) for judge in a.cube.judges]
    for ja, jb in itertools.combinations(a.cube.real_judges, 2):
        out += [judge_heatmap(a, ja, jb), bland_altman(a, ja, jb, metric)]
    if several:
        out += [length_plot(a, judge, metric) for judge in a.cube.judges]
        if a.fits:
            out.append(rank_slopes(a, metric))
    return out
