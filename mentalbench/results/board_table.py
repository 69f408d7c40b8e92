"""The leaderboard on a terminal: the columns a reader needs, fitted to the terminal's width."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence

import pandas as pd

MODEL_WIDTH = 32


def short_header(name: str) -> str:
    """A metric's display name cut to one short word: 'Empathy & Validation' -> 'Empathy'."""
    word = re.split(r"[\s&/-]+", name.strip())[0] or name
    return word if len(word) <= 8 else word[:7] + "."


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _number(value, digits: int = 2) -> str:
    return "" if pd.isna(value) else f"{value:.{digits}f}"


def _mean_ci(row) -> str:
    mean, low, high = (row.get(c) for c in ("metrics_mean", "metrics_mean_ci_low",
                                             "metrics_mean_ci_high"))
    if pd.isna(mean):
        return ""
    return f"{mean:.2f}" + ("" if pd.isna(low) else f" [{low:.2f}, {high:.2f}]")


def _scored(row) -> str:
    n, scored = row.get("n_questions"), row.get("n_scored")
    if pd.isna(scored):  # a pairwise row: its votes are counted in bt_* and win_rate
        return ""
    return f"{int(scored)}/{'?' if pd.isna(n) else int(n)}"


def _bt(row) -> str:
    score, low, high = (row.get(c) for c in ("bt_score", "bt_low", "bt_high"))
    if pd.isna(score):
        return ""
    return f"{score:.0f}" + ("" if pd.isna(low) else f" [{low:.0f}, {high:.0f}]")


def compact(board: pd.DataFrame, metric_names: Mapping[str, str]) -> pd.DataFrame:
    """The terminal's view: model, judge, scored/set, metrics_mean [95% CI], coverage where not
    complete, then each metric under a short header."""
    view = pd.DataFrame({
        "model": [_clip(str(m), MODEL_WIDTH) for m in board["model"]],
        "judge": board["judge"].astype(str),
        "scored": [_scored(r) for _, r in board.iterrows()],
        "mean [95% CI]": [_mean_ci(r) for _, r in board.iterrows()],
    })
    if "bt_score" in board and board["bt_score"].notna().any():
        view["Bradley-Terry [95% CI]"] = [_bt(r) for _, r in board.iterrows()]
        view["win rate"] = [_number(v) for v in board["win_rate"]]
    if "coverage" in board and (board["coverage"] != "complete").any():
        view["coverage"] = [("" if c == "complete" else c) for c in board["coverage"]]
    headers = {}
    for key, name in metric_names.items():
        if key in board:
            header = short_header(name)
            while header in headers.values() or header in view:
                header += "'"
            headers[key] = header
            view[header] = [_number(v) for v in board[key]]
    return view


def render(view: pd.DataFrame, width: int | None = None, keep: int = 4) -> str:
    """Text of `view`, dropping columns from the right (never the first `keep`) until it fits
    `width` (the terminal's by default); a last line says what was left out."""
    width = width or shutil.get_terminal_size((160, 24)).columns  # not a terminal: 160
    shown = list(view.columns)
    text = _text(view, shown)
    while len(shown) > keep and max(map(len, text.splitlines())) > width:
        shown.pop()
        text = _text(view, shown)
    left = [c for c in view.columns if c not in shown]
    if left:
        more = f"{len(left)} more column{'s' if len(left) > 1 else ''}"
        text += (f"\n({more}: {', '.join(left)}; widen the terminal, or see --columns / "
                 "--format csv)")
    return text


def _text(view: pd.DataFrame, columns: Sequence[str]) -> str:
    part = view[list(columns)]
    cells = [[str(c) for c in part.columns]] + [[str(v) for v in row] for row in
                                                part.itertuples(index=False)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(part.columns))]
    lines = []
    for row in cells:
        out = []
        for i, cell in enumerate(row):
            # Text columns left, numbers right: the first two (model, judge) and coverage left.
            left = i < 2 or part.columns[i] == "coverage"
            out.append(cell.ljust(widths[i]) if left else cell.rjust(widths[i]))
        lines.append("  ".join(out).rstrip())
    return "\n".join(lines)


def pick(board: pd.DataFrame, columns: str) -> pd.DataFrame:
    """--columns: 'all', or a comma-separated list of CSV column names (one-line error)."""
    from ..errors import InputError
    from ..inputs.suggest import did_you_mean

    if columns.strip() == "all":
        return board
    wanted = [c.strip() for c in columns.split(",") if c.strip()]
    for c in wanted:
        if c not in board.columns:
            raise InputError(f"--columns {c}: not a leaderboard column"
                             f"{did_you_mean(c, board.columns)} (see the table of columns in "
                             "docs/cli.md)")
    return board[wanted]


def metric_names(results) -> dict[str, str]:
    """Rubric metric key -> display name (overall is not a rubric metric)."""
    return {m.key: m.name for m in results.metrics if not m.overall}


def table_text(board: pd.DataFrame, names: Mapping[str, str], columns: str | None = None,
               width: int | None = None) -> str:
    """The leaderboard as the terminal shows it (or the --columns asked for, all of them)."""
    if columns:
        view = pick(board, columns)
        return render(view.astype(object).where(view.notna(), ""), width, keep=len(view.columns))
    return render(compact(board, names), width)
