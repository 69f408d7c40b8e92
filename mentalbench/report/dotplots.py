"""Figures for many models: sorted dot plots with the models named on the axis, no legend of
models and no colour per model (colour tells judges apart, where there are several)."""

from __future__ import annotations

import numpy as np

from .analysis import Analysis
from .cube import METRICS_MEAN

#: Above this many models a figure of bars with one colour per model stops being readable.
MANY_MODELS = 8
#: Judges' colours and markers: few, and distinct in grey scale too.
JUDGE_STYLES = (("#1f5f8b", "o"), ("#c0392b", "s"), ("#2e7d32", "D"), ("#6a1b9a", "^"),
                ("#ef6c00", "v"))
PANEL_STYLE = ("#222222", "|")


def model_order(a: Analysis, metric: str) -> list[str]:
    """Models from worst to best on `metric` by the panel (or the first judge): bottom to top."""
    judges = list(a.cube.judges)
    ref = "panel" if "panel" in judges else judges[0]
    part = a.scores[(a.scores["judge"] == ref) & (a.scores["metric"] == metric)]
    order = list(part.sort_values(["mean", "model"], na_position="first")["model"])
    return [m for m in a.cube.models if m not in order] + order


def judge_style(judge: str, index: int) -> tuple[str, str]:
    return PANEL_STYLE if judge == "panel" else JUDGE_STYLES[index % len(JUDGE_STYLES)]


def metric_dots(a: Analysis, names: dict[str, str], figure, svg, wrap, head: str):
    """Small multiples: one panel per metric, models on a shared axis sorted by `head`, each
    judge's mean and 95% interval as a dot and a line."""
    from matplotlib.ticker import MaxNLocator

    metrics = [k for k in a.cube.metrics if k != METRICS_MEAN] or list(a.cube.metrics)
    order = model_order(a, head)
    y = {m: i for i, m in enumerate(order)}
    judges = list(a.cube.judges)
    fig = figure(1.45 * len(metrics) + 2.6, 0.2 * len(order) + 1.5)
    axes = fig.subplots(1, len(metrics), squeeze=False, sharey=True, sharex=True)[0]
    offsets = np.linspace(-0.25, 0.25, len(judges)) if len(judges) > 1 else np.zeros(1)
    for ax, key in zip(axes, metrics, strict=True):
        part = a.scores[a.scores["metric"] == key]
        for j, judge in enumerate(judges):
            rows = part[part["judge"] == judge]
            color, marker = judge_style(judge, j)
            ax.errorbar(rows["mean"], rows["model"].map(y).to_numpy() + offsets[j],
                        xerr=[rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]],
                        fmt=marker, ms=3, color=color, ecolor=color, elinewidth=0.7,
                        label=judge)
        ax.set_title(wrap(names.get(key, key)), fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
        ax.tick_params(axis="x", labelsize=7)
    axes[0].set_yticks(range(len(order)), order, fontsize=7)
    axes[0].set_ylim(-0.7, len(order) - 0.3)
    if len(judges) > 1:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(judges), fontsize=8,
                   frameon=False)
    return svg(fig, "bars")
