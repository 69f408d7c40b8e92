"""Means by question tag (the crisis subset above all) and by topic, from the shared draws."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..results.bootstrap import Draws, interval, point_means, weighted_means
from .cube import Cube

BY_TAG_COLUMNS = ["kind", "tag", "model", "judge", "metric", "n", "mean", "ci_low", "ci_high"]


def subsets(cube: Cube) -> list[tuple[str, str, np.ndarray]]:
    """(kind, name, question mask) for every tag and every topic, tags first, by name."""
    out = []
    for tag in sorted({t for tags in cube.tags for t in tags}):
        out.append(("tag", tag, np.array([tag in tags for tags in cube.tags])))
    for topic in sorted({t for t in cube.topics if t}):
        out.append(("topic", topic, np.array([t == topic for t in cube.topics])))
    return out


def subset_means(cube: Cube, draws: Draws, mask: np.ndarray):
    """Point and bootstrap means [J, K, M] over the masked questions (their counts in each draw).

    Restricting the shared draws to a subset's questions keeps the subset's intervals paired
    with every other figure in the report.
    """
    values = cube.scores[..., mask].reshape(-1, int(mask.sum())).T
    shape = cube.scores.shape[:3]
    boot = weighted_means(draws.counts[:, mask], values).reshape(draws.resamples, *shape)
    n = (~np.isnan(cube.scores[..., mask])).sum(axis=3)
    return point_means(values).reshape(shape), boot, n


def by_tag_table(cube: Cube, draws: Draws) -> pd.DataFrame:
    """by_tag.csv: for each tag and topic, every (model, judge, metric) mean with its interval."""
    frames = []
    j, k, m = np.meshgrid(np.arange(len(cube.judges)), np.arange(len(cube.metrics)),
                          np.arange(len(cube.models)), indexing="ij")
    for kind, name, mask in subsets(cube):
        point, boot, n = subset_means(cube, draws, mask)
        low, high = interval(boot)
        frame = pd.DataFrame({
            "kind": kind, "tag": name, "model": np.array(cube.models)[m.ravel()],
            "judge": np.array(cube.judges)[j.ravel()],
            "metric": np.array(cube.metrics)[k.ravel()], "n": n.ravel(),
            "mean": point.ravel(), "ci_low": low.ravel(), "ci_high": high.ravel()})
        frames.append(frame[frame["n"] > 0])
    if not frames:
        return pd.DataFrame(columns=BY_TAG_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BY_TAG_COLUMNS]
