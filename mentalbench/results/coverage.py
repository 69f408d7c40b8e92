"""How much of its question set a leaderboard row covers, and whether that was on purpose.

A run told `--limit 20` of a 200-question set is a subset (`subset 20/200`); a run that stopped
before judging all it was asked (killed, or calls failed) is unfinished (`unfinished 15/20`).
What a run asked is in its store's history of invocations.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .tables import Results


def asked_by_source(results: Results) -> dict[tuple[str, str], int]:
    """(run directory, question-set sha) -> the most questions any invocation there asked."""
    asked: dict[tuple[str, str], int] = {}
    for source in results.sources:
        for inv in source.get("invocations") or ():
            questions = inv.get("questions") if isinstance(inv, dict) else None
            if not isinstance(questions, dict):
                continue
            sha, selected = questions.get("sha256"), questions.get("selected")
            if isinstance(sha, str) and isinstance(selected, int):
                key = (str(source.get("path", "")), sha)
                asked[key] = max(asked.get(key, 0), selected)
    return asked


def label(n_scored: int, n_asked: int | None, n_questions: int | None) -> str:
    """complete, subset N/M (asked fewer on purpose, all scored), or unfinished S/N."""
    if n_questions is None or pd.isna(n_questions):
        return "unknown set size"
    n_questions = int(n_questions)
    asked = n_questions if n_asked is None or pd.isna(n_asked) else int(n_asked)
    if n_scored >= n_questions:
        return "complete"
    if n_scored >= asked:
        return f"subset {asked}/{n_questions}"
    subset = f" (subset of {n_questions})" if asked < n_questions else ""
    return f"unfinished {n_scored}/{asked}{subset}"


def with_coverage(board: pd.DataFrame, rows: pd.DataFrame, results: Results,
                  identity: list[str]) -> pd.DataFrame:
    """Adds n_asked (questions the runs asked for) and coverage (its label) to each row of
    `board`, whose rows are told apart by the `identity` columns."""
    board = board.copy()
    asked = asked_by_source(results)
    if board.empty or "source" not in rows:
        board["n_asked"] = pd.Series(dtype="Int64")
        board["coverage"] = pd.Series(dtype=str)
        return board
    sources = rows.groupby(identity, sort=False)["source"].agg(lambda s: set(map(str, s)))
    n_asked = []
    for _, row in board.iterrows():
        found = sources.get(tuple(row[c] for c in identity), set())
        n_asked.append(_most(asked.get((src, row["question_set_sha"])) for src in found))
    board["n_asked"] = pd.array([n if n is not None else row_n for n, row_n in
                                 zip(n_asked, board["n_questions"], strict=True)], dtype="Int64")
    board["coverage"] = [label(s, a, n) for s, a, n in
                         zip(board["n_scored"], board["n_asked"], board["n_questions"],
                             strict=True)]
    return board


def _most(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None
