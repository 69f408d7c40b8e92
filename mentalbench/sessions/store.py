"""Session turns in the run store: one row per turn, keyed by its declared identity.

The identity dataclasses below are the one place a turn's identity is written down: the
table's columns, the insert and the select are all derived from their fields.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..records.base import Usage
from ..records.hashing import content_key
from ..store.sqlite import select_in

CLIENT, COUNSELOR = "client", "counselor"
_SQL_TYPES = {"str": "TEXT", "int": "INTEGER"}


@dataclass(frozen=True)
class SessionIdentity:
    """What decides a session's conversation: counselor, client, card and sample."""

    model: str  # the counselor's label
    answer_set: str  # 8 hex digits of the counselor's identity (model, options, prompt)
    client: str  # the client's label (a model id, or "scripted")
    client_set: str  # 8 hex digits of the client's identity (model, options, template)
    card_set: str
    card_set_sha: str
    card_id: str
    sample: int

    @property
    def key(self) -> str:
        return content_key("session", dataclasses.asdict(self))


@dataclass(frozen=True)
class SessionTurnIdentity(SessionIdentity):
    """One turn of a session: the session's identity, the turn number and who spoke."""

    turn: int = 0  # 1, 2, ...: client turn k is answered by counselor turn k
    role: str = CLIENT  # client | counselor

    @property
    def key(self) -> str:
        return content_key("session-turn", dataclasses.asdict(self))

    @property
    def session(self) -> SessionIdentity:
        names = [f.name for f in dataclasses.fields(SessionIdentity)]
        return SessionIdentity(**{n: getattr(self, n) for n in names})

    def at(self, turn: int, role: str) -> SessionTurnIdentity:
        return dataclasses.replace(self, turn=turn, role=role)


@dataclass(frozen=True)
class SessionTurn:
    """One stored message of a session, as it arrived."""

    identity: SessionTurnIdentity
    text: str
    ended: bool = False  # the client wrote the end marker: no counselor turn follows
    usage: Usage = field(default_factory=Usage)
    meta: dict[str, Any] = field(default_factory=dict)  # disclosures due, finish reason, ...

    @property
    def key(self) -> str:
        return self.identity.key


IDENTITY_FIELDS = tuple(f.name for f in dataclasses.fields(SessionTurnIdentity))
_COLUMNS = ("key", *IDENTITY_FIELDS, "session_key", "text", "ended", "usage", "meta", "created")


def _ddl() -> str:
    cols = ["key TEXT PRIMARY KEY"]
    cols += [f"{f.name} {_SQL_TYPES[str(f.type)]} NOT NULL"
             for f in dataclasses.fields(SessionTurnIdentity)]
    cols += ["session_key TEXT NOT NULL", "text TEXT NOT NULL", "ended INTEGER NOT NULL",
             "usage TEXT NOT NULL", "meta TEXT NOT NULL", "created REAL NOT NULL"]
    return (f"CREATE TABLE IF NOT EXISTS session_turns ({', '.join(cols)});\n"
            "CREATE INDEX IF NOT EXISTS session_turns_session ON session_turns (session_key);")


def create_tables(db: sqlite3.Connection) -> None:
    """Create the session tables if they are missing (any store, any schema version)."""
    with db:
        db.executescript(_ddl())


def put_turns(db: sqlite3.Connection, turns: Sequence[SessionTurn]) -> None:
    """Store turns the moment they arrive (the same identity again replaces its row)."""
    now = time.time()
    marks = ",".join("?" * len(_COLUMNS))
    with db:
        db.executemany(
            f"INSERT OR REPLACE INTO session_turns ({', '.join(_COLUMNS)}) VALUES ({marks})",
            [(t.key, *(getattr(t.identity, n) for n in IDENTITY_FIELDS), t.identity.session.key,
              t.text, int(t.ended), json.dumps(t.usage.to_dict()),
              json.dumps(t.meta, ensure_ascii=False, sort_keys=True), now) for t in turns])


def _turn(row: tuple) -> SessionTurn:
    values = dict(zip(_COLUMNS, row, strict=True))
    ident = SessionTurnIdentity(**{n: values[n] for n in IDENTITY_FIELDS})
    return SessionTurn(ident, values["text"], bool(values["ended"]),
                       Usage.from_dict(json.loads(values["usage"])), json.loads(values["meta"]))


def turns_of(db: sqlite3.Connection, session_keys: Iterable[str]) -> dict[str, list[SessionTurn]]:
    """Stored turns by session key, in turn order (client before counselor)."""
    out: dict[str, list[SessionTurn]] = {}
    sql = (f"SELECT {', '.join(_COLUMNS)} FROM session_turns WHERE session_key IN ({{marks}}) "
           "ORDER BY turn, role")
    for row in select_in(db, sql, session_keys):
        t = _turn(row)
        out.setdefault(t.identity.session.key, []).append(t)
    return out


def all_turns(db: sqlite3.Connection) -> list[SessionTurn]:
    """Every stored turn, grouped by session, in turn order."""
    order = "model, answer_set, client, client_set, card_set, card_id, sample, turn, role"
    return [_turn(r) for r in db.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM session_turns ORDER BY {order}")]
