"""The sessions report: session scores with paired CIs over cards, scores by turn, stance and
disclosure, the referral floor, and every transcript, from one or more run directories."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..results.leaderboard import to_csv
from ..store.database import Store
from ..store.files import write_atomic
from .exports import session_frames
from .runner import STORE
from .stats import paired_differences, referral_table, scores_by
from .store import create_tables

TEMPLATES = Path(__file__).parent / "templates"
TABLES = {"session_scores.csv": "board", "session_pairs.csv": "pairs",
          "session_turn_scores.csv": "turns", "session_breakdowns.csv": "breakdowns",
          "session_safety.csv": "safety"}


def load_session_frames(run_dirs: list[Path]) -> dict[str, pd.DataFrame]:
    """Every run directory's session tables, concatenated; pairs and the floor over them all."""
    parts = []
    for run_dir in run_dirs:
        path = Path(run_dir) / STORE
        if not path.is_file():
            raise InputError(f"{run_dir}: no session run here (no {STORE}; see `run --cards`)")
        store = Store.readonly(path)
        try:
            create_tables(store.db)  # an in-memory copy: the folder is not written
            parts.append(session_frames(store))
        finally:
            store.close()
    frames = {name: pd.concat([p[name] for p in parts], ignore_index=True)
              for name in parts[0]}
    judged = frames["judgments"]
    whole = judged[judged["turn"] == 0] if not judged.empty else judged
    frames["board"] = scores_by(whole)
    frames["pairs"] = paired_differences(judged)
    frames["safety"] = referral_table(frames["sessions"])
    return frames


def _html_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>(none)</p>"
    return frame.to_html(index=False, escape=True, na_rep="", float_format=lambda v: f"{v:.2f}",
                         border=0, classes="t")


def write_session_report(run_dirs: list[Path], out: Path) -> Path:
    """Write the CSV tables and sessions.html into `out`; return the HTML file's path."""
    import jinja2

    frames = load_session_frames(run_dirs)
    out.mkdir(parents=True, exist_ok=True)
    for name, key in TABLES.items():
        write_atomic(out / name, to_csv(frames[key]))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    transcripts = frames["transcripts"].to_dict("records") if not frames["transcripts"].empty \
        else []
    html = env.get_template("sessions.html.j2").render(
        sources=[str(d) for d in run_dirs],
        tables={key: _html_table(frames[key]) for key in TABLES.values()},
        transcripts=transcripts)
    path = out / "sessions.html"
    write_atomic(path, html)
    return path
