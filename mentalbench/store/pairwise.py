"""The run store's table of pairwise votes (LLM and human), created on first use.

Its columns derive from PairwiseIdentity's fields plus the vote's own; nothing here lists them
by position, so the table can fold into the store's declared identities later.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import fields

from ..models.secrets import mask_text
from ..records.base import Usage
from ..records.pairwise import IDENTITY_FIELDS, PairwiseIdentity, PairwiseVote
from .database import clean_text
from .sqlite import select_in

TABLE = "pairwise_votes"
#: The vote's own fields after its identity, each with its SQL type; mappings and usage are
#: stored as JSON text.
_SQL = {"int": "INTEGER", "float": "REAL", "str": "TEXT"}
_OWN = tuple((f.name, _SQL.get(str(f.type), "TEXT")) for f in fields(PairwiseVote)
             if f.name not in ("key", "identity"))
_JSON = {name for name, kind in _OWN if kind == "TEXT"} - {
    f.name for f in fields(PairwiseVote) if str(f.type) == "str"}
_TEXT = {"raw", "error", "comment"}
COLUMNS = ("key", *IDENTITY_FIELDS, *(name for name, _ in _OWN), "created")


def ddl() -> str:
    """CREATE TABLE for the votes, from the identity's and the vote's fields."""
    cols = ["key TEXT PRIMARY KEY"]
    cols += [f"{name} TEXT NOT NULL" for name in IDENTITY_FIELDS]
    cols += [f"{name} {kind} NOT NULL" for name, kind in _OWN]
    cols.append("created REAL NOT NULL")
    return f"CREATE TABLE IF NOT EXISTS {TABLE} ({', '.join(cols)})"


def exists(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                      (TABLE,)).fetchone() is not None


def ensure(db: sqlite3.Connection) -> None:
    """Create the table and its index if this store has none yet (idempotent)."""
    if exists(db):
        return
    with db:
        db.execute(ddl())
        db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_question ON {TABLE} (question_id)")


def _row(v: PairwiseVote, now: float) -> tuple:
    def own(name: str):
        value = getattr(v, name)
        if name in _TEXT:  # as the store keeps judge replies: keys masked, text SQLite can hold
            return clean_text(mask_text(value))
        if name not in _JSON:
            return value
        return json.dumps(value.to_dict() if hasattr(value, "to_dict") else dict(value))
    return (v.key, *(getattr(v.identity, n) for n in IDENTITY_FIELDS),
            *(own(n) for n, _ in _OWN), now)


def _vote(row: Sequence) -> PairwiseVote:
    data = dict(zip(COLUMNS, row, strict=True))
    ident = PairwiseIdentity(**{n: data[n] for n in IDENTITY_FIELDS})
    own = {n: json.loads(data[n]) if n in _JSON else data[n] for n, _ in _OWN}
    own["usage"] = Usage.from_dict(own["usage"])
    return PairwiseVote(key=data["key"], identity=ident, **own)


def put_votes(db: sqlite3.Connection, votes: Sequence[PairwiseVote]) -> None:
    """Store votes (the same key again replaces the row)."""
    ensure(db)
    now = time.time()
    marks = ",".join("?" * len(COLUMNS))
    with db:
        db.executemany(f"INSERT OR REPLACE INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks})",
                       [_row(v, now) for v in votes])


def votes(db: sqlite3.Connection, keys: Iterable[str]) -> dict[str, PairwiseVote]:
    """Stored votes among `keys` (none where the table was never made: reading writes nothing)."""
    if not exists(db):
        return {}
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE key IN ({{marks}})"
    return {r[0]: _vote(r) for r in select_in(db, sql, keys)}


def all_votes(db: sqlite3.Connection) -> list[PairwiseVote]:
    """Every stored vote, in a stable order."""
    if not exists(db):
        return []
    return [_vote(r) for r in db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY judge, question_id, model_a, "
        "model_b, shown_first")]
