"""A session run's plain files: transcripts, judgments, checks and the session tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..results.leaderboard import to_csv
from ..store.database import Store
from ..store.files import write_atomic, write_jsonl
from .conversation import Session
from .stats import (
    judgment_table,
    paired_differences,
    referral_table,
    scores_by,
    session_table,
    sessions_of,
)
from .store import COUNSELOR, all_turns

#: The files a session run writes beside sessions.sqlite.
SESSION_EXPORTS = ("transcripts.jsonl", "session_judgments.jsonl", "session_checks.jsonl",
                   "sessions.csv", "session_turn_scores.csv", "session_breakdowns.csv",
                   "session_pairs.csv", "session_safety.csv")


def transcript_row(s: Session) -> dict[str, Any]:
    """One session as an OpenAI messages JSONL row, with its identity."""
    b = s.base
    return {"session_key": s.key, "model": b.model, "answer_set": b.answer_set,
            "client": b.client, "client_set": b.client_set, "card_set": b.card_set,
            "card_set_sha": b.card_set_sha, "card_id": b.card_id, "sample": b.sample,
            "counselor_turns": len(s.said(COUNSELOR)), "ended_by_client": s.ended_by_client,
            "risk_disclosed_at": s.risk_disclosed_at(), "messages": s.openai_messages()}


def session_frames(store: Store) -> dict[str, pd.DataFrame]:
    """Every session table, from what the store holds."""
    sessions = sessions_of(all_turns(store.db))
    checks = store.all_checks()
    table = session_table(sessions, checks)
    turn_of = {t.key: (s.key, t.identity.turn) for s in sessions for t in s.said(COUNSELOR)}
    judged = judgment_table(store.all_judgments(), table, turn_of)
    whole = judged[judged["turn"] == 0] if not judged.empty else judged
    per_turn = judged[judged["turn"] > 0] if not judged.empty else judged
    breakdowns = pd.concat([scores_by(whole, ["stance"]).assign(by="stance"),
                            scores_by(whole, ["disclosed"]).assign(by="disclosed")],
                           ignore_index=True)
    return {"sessions": table, "judgments": judged, "board": scores_by(whole),
            "turns": scores_by(per_turn, ["turn"]), "breakdowns": breakdowns,
            "pairs": paired_differences(judged), "safety": referral_table(table),
            "transcripts": pd.DataFrame([transcript_row(s) for s in sessions])}


def write_session_exports(out: Path, store: Store) -> dict[str, pd.DataFrame]:
    """Write the session files of a run directory; return the tables written."""
    sessions = sessions_of(all_turns(store.db))
    write_jsonl(out / "transcripts.jsonl", (transcript_row(s) for s in sessions))
    write_jsonl(out / "session_judgments.jsonl", (j.to_dict() for j in store.all_judgments()))
    write_jsonl(out / "session_checks.jsonl", ({**c.result.to_dict(), "key": c.key,
                                               "turn_key": c.answer_key, "card_id": c.question_id,
                                               "model": c.model, "answer_set": c.answer_set,
                                               "check": c.check} for c in store.all_checks()))
    frames = session_frames(store)
    for name, frame in (("sessions.csv", "board"), ("session_turn_scores.csv", "turns"),
                        ("session_breakdowns.csv", "breakdowns"), ("session_pairs.csv", "pairs"),
                        ("session_safety.csv", "safety")):
        write_atomic(out / name, to_csv(frames[frame]))
    return frames
