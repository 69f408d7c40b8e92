"""Win counts against a baseline, as in the paper's Table 2, counting only Holm-significant ones."""

from __future__ import annotations

import pandas as pd

from .cube import Cube
from .pairs import ALPHA, against

WIN_COLUMNS = ["model", "judge", "baseline", "metrics", "metrics_won", "metrics_lost",
               "metrics_tied"]


def win_table(cube: Cube, pairs: pd.DataFrame, baseline: str,
              rubric_keys: tuple[str, ...]) -> pd.DataFrame:
    """wins.csv: per judge, on how many rubric metrics each model beats the baseline."""
    metrics = [k for k in cube.metrics if k in rubric_keys]
    rows = []
    for judge in cube.judges:
        versus = against(pairs, judge, baseline)  # diff = baseline - model
        for model in cube.models:
            if model == baseline:
                continue
            won = lost = tied = 0
            for metric in metrics:
                row = versus.get((metric, model))
                if row is None:
                    continue
                gain = -row["diff"]
                significant = row["p_holm"] < ALPHA
                won += bool(significant and gain > 0)
                lost += bool(significant and gain < 0)
                tied += not (significant and gain != 0)
            if won + lost + tied:
                rows.append({"model": model, "judge": judge, "baseline": baseline,
                             "metrics": won + lost + tied, "metrics_won": won,
                             "metrics_lost": lost, "metrics_tied": tied})
    return pd.DataFrame(rows, columns=WIN_COLUMNS)
