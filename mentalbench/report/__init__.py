"""Reports: the statistics a paper can print, as CSV files and one self-contained HTML page.

Nothing heavy is imported here: the statistics libraries load when a report is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .options import ReportOptions
from .output import require_report_extra, write_report

if TYPE_CHECKING:
    import pandas as pd

    from ..results.tables import Results

__all__ = ["ReportOptions", "metrics_mean_ci", "require_report_extra", "write_report"]


def metrics_mean_ci(results: Results, resamples: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """Bootstrap 95% CI of metrics_mean per (model, judge, rubric, question_set)."""
    require_report_extra()
    from .analysis import metrics_mean_ci as compute

    return compute(results, resamples, seed)
