"""The report's pairwise part: Bradley–Terry rankings and position bias from the runs' votes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..results.pairwise_tables import bias_table, bt_table, load_votes, vote_agreement_table
from ..results.tables import Results

#: Each resample refits the model: fewer than the report's 10,000 (recorded in the manifest).
BT_RESAMPLES = 1000


def _dirs(results: Results) -> list[Path]:
    dirs = [Path(s["path"]) for s in results.sources if s.get("path")]
    return [d for d in dirs if (d / "store.sqlite").is_file()]


def refuse_votes_only(results: Results) -> None:
    """A one-line error for runs with pairwise votes and no ratings: the report needs both."""
    from ..errors import InputError

    if results.judgments.empty and load_votes(_dirs(results)):
        raise InputError("the runs hold pairwise votes only: their Bradley-Terry scores are in "
                         "the leaderboard (`mentalbench leaderboard`); a report also needs "
                         "ratings of the same answers (judge without --judge-mode pairwise)")


def vote_tables(results: Results, metrics: tuple[str, ...], baseline: str | None,
                seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(Bradley–Terry, position bias, agreement with human votes) of every vote in the
    report's run folders."""
    votes = load_votes(_dirs(results))
    if not votes:
        return pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    keys = sorted({k for v in votes for k in v.verdicts})
    chosen = tuple(k for k in keys if not metrics or k in metrics) or tuple(keys)
    texts = dict(zip(results.answers["answer_key"], results.answers["text"], strict=True))
    return (bt_table(votes, texts, chosen, baseline, BT_RESAMPLES, seed),
            bias_table(votes, chosen),
            vote_agreement_table(votes, "overall", BT_RESAMPLES, seed))
