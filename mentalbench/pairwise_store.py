"""The run store's table of pairwise votes (LLM and human), created on first use.

Its columns derive from PairwiseIdentity's fields plus the vote's own; nothing here lists them
by position, so the table can fold into the store's declared identities later.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence

from .pairwise_records import IDENTITY_FIELDS, PairwiseIdentity, PairwiseVote
from .records import Usage
from .sqlite import select_in

TABLE = "pairwise_votes"
#: The vote's own columns after its identity: (name, SQL type); JSON for mappings.
_OWN = (("verdicts", "TEXT"), ("status", "TEXT"), ("mode", "TEXT"), ("raw", "TEXT"),
        ("error", "TEXT"), ("usage", "TEXT"), ("judge_model_served", "TEXT"),
        ("attempt", "INTEGER"), ("seconds", "REAL"), ("comment", "TEXT"))
COLUMNS = ("key", *IDENTITY_FIELDS, *(name for name, _ in _OWN), "created")


def ddl() -> str:
    """CREATE TABLE for the votes, from the identity's fields."""
    cols = ["key TEXT PRIMARY KEY"]
    cols += [f"{name} TEXT NOT NULL" for name in IDENTITY_FIELDS]
    cols += [f"{name} {kind} NOT NULL" for name, kind in _OWN]
    cols.append("created REAL NOT NULL")
    return f"CREATE TABLE IF NOT EXISTS {TABLE} ({', '.join(cols)})"


def ensure(db: sqlite3.Connection) -> None:
    """Create the table and its index if this store has none yet (idempotent)."""
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if TABLE in names:
        return
    with db:
        db.execute(ddl())
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_question ON {TABLE} (question_id)")


def _row(v: PairwiseVote, now: float) -> tuple:
    own = {"verdicts": json.dumps(dict(v.verdicts)), "status": v.status, "mode": v.mode,
           "raw": v.raw, "error": v.error, "usage": json.dumps(v.usage.to_dict()),
           "judge_model_served": v.judge_model_served, "attempt": v.attempt,
           "seconds": v.seconds, "comment": v.comment}
    ident = v.identity
    return (v.key, *(getattr(ident, n) for n in IDENTITY_FIELDS),
            *(own[n] for n, _ in _OWN), now)


def _vote(row: Sequence) -> PairwiseVote:
    data = dict(zip(COLUMNS, row, strict=True))
    ident = PairwiseIdentity(**{n: data[n] for n in IDENTITY_FIELDS})
    return PairwiseVote(key=data["key"], identity=ident, verdicts=json.loads(data["verdicts"]),
                        status=data["status"], mode=data["mode"], raw=data["raw"],
                        error=data["error"], usage=Usage.from_dict(json.loads(data["usage"])),
                        judge_model_served=data["judge_model_served"],
                        attempt=data["attempt"], seconds=data["seconds"],
                        comment=data["comment"])


def put_votes(db: sqlite3.Connection, votes: Sequence[PairwiseVote]) -> None:
    """Store votes (the same key again replaces the row)."""
    ensure(db)
    now = time.time()
    marks = ",".join("?" * len(COLUMNS))
    with db:
        db.executemany(f"INSERT OR REPLACE INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks})",
                       [_row(v, now) for v in votes])


def votes(db: sqlite3.Connection, keys: Iterable[str]) -> dict[str, PairwiseVote]:
    """Stored votes among `keys`."""
    ensure(db)
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE key IN ({{marks}})"
    return {r[0]: _vote(r) for r in select_in(db, sql, keys)}


def all_votes(db: sqlite3.Connection) -> list[PairwiseVote]:
    """Every stored vote, in a stable order."""
    ensure(db)
    return [_vote(r) for r in db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY judge, question_id, model_a, "
        "model_b, shown_first")]
