"""Leaderboards: mean rating per metric for each (model, judge), with scored/total counts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from .errors import InputError


def leaderboard(rows: Iterable[dict], metric_keys: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (model, judge) from judgments.jsonl rows; means over scored answers only."""
    rows = list(rows)
    if metric_keys is None:
        metric_keys = list(dict.fromkeys(k for r in rows for k in r.get("scores", {})))
    # "overall" goes last, after the rubric's own metrics.
    keys = [k for k in metric_keys if k != "overall"] + (
        ["overall"] if "overall" in metric_keys else [])
    records = []
    for r in rows:
        scores = r.get("scores") or {}
        rec = {"model": r["model"], "judge": r["judge"],
               "scored": bool(scores) and all(scores.get(k) is not None for k in keys)}
        rec.update({k: scores.get(k) for k in keys})
        records.append(rec)
    columns = ["model", "judge", "n_total", "n_scored", *keys]
    if not records:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame.from_records(records)
    for k in keys:
        df[k] = pd.to_numeric(df[k], errors="coerce")
    grouped = df.groupby(["model", "judge"], sort=True)
    out = grouped[keys].mean().round(2)
    out.insert(0, "n_scored", grouped["scored"].sum().astype(int))
    out.insert(0, "n_total", grouped.size())
    out = out.reset_index()
    order = "overall" if "overall" in keys else keys[0]
    return out.sort_values(["judge", order], ascending=[True, False])[columns].reset_index(drop=True)


def read_judgments(run_dir: Path) -> list[dict]:
    """The judgments.jsonl rows of a run directory, with a clear error if it is not one."""
    path = Path(run_dir) / "judgments.jsonl"
    if not path.is_file():
        raise InputError(f"{run_dir}: not a run directory (no judgments.jsonl)")
    rows = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    return rows


def _identity(row: dict, fallback: str) -> tuple:
    """What makes two rows the same judgment: one judge on one answer text to one question."""
    if row.get("answer_sha256"):
        return (row.get("model"), row.get("judge"), row.get("rubric"), row.get("mode"),
                row.get("question_id"), row["answer_sha256"])
    return row.get("model"), row.get("judge"), row.get("key") or fallback


def merged_leaderboard(run_dirs: Sequence[Path]) -> pd.DataFrame:
    """A leaderboard over several run directories (one judgment found twice counts once)."""
    seen: dict[tuple, dict] = {}
    for d in run_dirs:
        for row in read_judgments(d):
            seen[_identity(row, f"{d}:{len(seen)}")] = row  # a later directory's row wins
    return leaderboard(seen.values())
