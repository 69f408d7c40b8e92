"""The sidecar state of a data file: finished calls and decisions in SQLite, rows in the JSONL.

`OUT.jsonl` gets rows appended as they are made; `OUT.jsonl.state.sqlite` beside it remembers
every model reply and every keep/drop decision, so a rerun skips finished work and an
interrupted one loses at most the calls in flight.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mentalbench.api import InputError, Usage
from mentalbench.api import sqlite_connect as connect
from mentalbench.api import sqlite_connect_readonly as connect_readonly
from mentalbench.api import sqlite_select_in as select_in

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
    key TEXT PRIMARY KEY, stage TEXT NOT NULL, text TEXT NOT NULL, finish TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT NOT NULL, stage TEXT NOT NULL, error TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    number INTEGER PRIMARY KEY, key TEXT NOT NULL, topics TEXT NOT NULL, how TEXT NOT NULL,
    found INTEGER NOT NULL, missing INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, topic TEXT NOT NULL,
    text TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, similarity REAL,
    vector BLOB, created REAL NOT NULL);
"""

#: Item statuses: waiting for stage 2, in the output, or dropped (with a reason).
ACCEPTED, KEPT, DROPPED = "accepted", "kept", "dropped"


def state_path(out: Path) -> Path:
    return out.with_name(out.name + ".state.sqlite")


def stored_settings(out: Path) -> dict[str, Any]:
    """The settings a file was started with ({} for a new file); creates nothing."""
    path = state_path(out)
    if not path.is_file():
        return {}
    db = connect_readonly(path)
    try:
        return {k: json.loads(v) for k, v in db.execute("SELECT name, value FROM settings")}
    except sqlite3.OperationalError:  # made but never written to
        return {}
    finally:
        db.close()


class State:
    """One output file's sidecar database."""

    def __init__(self, out: Path):
        self.out = out
        self.path = state_path(out)
        self.db = connect(self.path)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # settings: what a file was started with, so that a rerun cannot mix incompatible work
    def settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT name, value FROM settings")}

    def bind(self, pipeline: str, fixed: dict[str, Any]) -> None:
        """Record the settings of a new file; refuse a rerun whose fixed settings differ."""
        stored = self.settings()
        if stored.get("pipeline", pipeline) != pipeline:
            raise InputError(f"{self.out}: made by `data {stored['pipeline']}`, not "
                             f"`data {pipeline}`: choose another --out")
        for name, value in fixed.items():
            if name in stored and stored[name] != value:
                raise InputError(f"{self.out}: started with {name}={stored[name]!r}, now "
                                 f"{value!r}: rerun with the same setting or choose another --out")
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO settings VALUES (?, ?)",
                                [(k, json.dumps(v)) for k, v in
                                 {"pipeline": pipeline, **fixed}.items()])

    # model replies
    def calls(self, keys: Iterable[str]) -> dict[str, tuple[str, str, Usage]]:
        """Stored replies among `keys`: text, finish reason, usage."""
        rows = select_in(self.db, "SELECT key, text, finish, prompt_tokens, completion_tokens "
                         "FROM calls WHERE key IN ({marks})", keys)
        return {key: (text, finish, Usage(p, c)) for key, text, finish, p, c in rows}

    def put_calls(self, stage: str, replies: Sequence[tuple[str, str, str, Usage]]) -> None:
        """Store (key, text, finish, usage) replies of one stage."""
        now = time.time()
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO calls VALUES (?,?,?,?,?,?,?)",
                                [(key, stage, text, finish, u.prompt_tokens, u.completion_tokens,
                                  now) for key, text, finish, u in replies])

    def put_failure(self, key: str, stage: str, error: str) -> None:
        with self.db:
            self.db.execute("INSERT INTO failures VALUES (?,?,?,?)",
                            (key, stage, error, time.time()))

    def usage(self, stage: str) -> tuple[int, Usage]:
        """Calls made for a stage and their tokens, over every run of this file."""
        n, p, c = self.db.execute("SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), "
                                  "COALESCE(SUM(completion_tokens), 0) FROM calls WHERE stage = ?",
                                  (stage,)).fetchone()
        return n, Usage(p, c)

    # synth batches
    def next_batch(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM batches").fetchone()[0]

    def batch_stats(self) -> dict[str, int]:
        rows = self.db.execute("SELECT how, found, missing FROM batches").fetchall()
        return {"batches": len(rows), "unparsed": sum(1 for r in rows if r[0] == "none"),
                "messages": sum(r[1] for r in rows), "missing": sum(r[2] for r in rows)}

    def put_batch(self, number: int, key: str, topics: Sequence[str], how: str, found: int,
                  missing: int, items: Sequence[dict[str, Any]]) -> None:
        """A parsed batch and its items' decisions, in one transaction."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO batches VALUES (?,?,?,?,?,?,?)",
                            (number, key, json.dumps(list(topics)), how, found, missing,
                             time.time()))
            self._put_items(items)

    # items: messages (synth) and pages (paraphrase)
    def _put_items(self, items: Sequence[dict[str, Any]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO items VALUES (:key, :kind, :ref, :topic, :text, :status, "
            ":reason, :similarity, :vector, :created)",
            [{"topic": "", "text": "", "reason": "", "similarity": None, "vector": None,
              "created": time.time(), **item} for item in items])

    def put_items(self, items: Sequence[dict[str, Any]]) -> None:
        with self.db:
            self._put_items(items)

    def items(self, kind: str, status: str | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT key, ref, topic, text, status, reason, similarity, vector FROM items "
               "WHERE kind = ?" + (" AND status = ?" if status else "") + " ORDER BY created, ref")
        args = (kind, status) if status else (kind,)
        return [dict(zip(("key", "ref", "topic", "text", "status", "reason", "similarity",
                          "vector"), row, strict=True)) for row in self.db.execute(sql, args)]

    def item_status(self, keys: Iterable[str]) -> dict[str, str]:
        return dict(select_in(self.db, "SELECT key, status FROM items WHERE key IN ({marks})",
                              keys))

    def set_status(self, keys: Iterable[str], status: str, reason: str = "") -> None:
        with self.db:
            self.db.executemany("UPDATE items SET status = ?, reason = ? WHERE key = ?",
                                [(status, reason, k) for k in keys])

    def reasons(self, kind: str) -> Counter:
        """Dropped items of a kind, counted by reason."""
        return Counter(dict(self.db.execute(
            "SELECT reason, COUNT(*) FROM items WHERE kind = ? AND status = ? GROUP BY reason",
            (kind, DROPPED)).fetchall()))

    def passed_first_stage(self, kind: str) -> int:
        """Items that passed the stage-1 checks: waiting, kept, or dropped only for their answer."""
        return self.db.execute(
            "SELECT COUNT(*) FROM items WHERE kind = ? AND (status != ? OR reason LIKE 'answer %')",
            (kind, DROPPED)).fetchone()[0]

    def count(self, kind: str, status: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM items WHERE kind = ? AND status = ?",
                               (kind, status)).fetchone()[0]


#: How every row begins: `id` is always the first field.
ROW_START = b'{"id": '


class RowWriter:
    """Appends rows to the output JSONL, each line whole and on disk before it counts."""

    def __init__(self, out: Path):
        self.out = out
        self.ids = self._recover()

    def _recover(self) -> set[str]:
        """Ids of the rows already written; a torn last row (a crash mid-write) is cut off."""
        if not self.out.exists():
            return set()
        data = self.out.read_bytes()
        end = data.rfind(b"\n") + 1
        ids = row_ids(self.out, data[:end])  # refuses a file that is not ours, changing nothing
        if end < len(data):
            if not data[end:].startswith(ROW_START):
                raise InputError(f"{self.out}: its last line is not a row written by "
                                 "mentalbench data: choose another --out")
            with self.out.open("r+b") as f:
                f.truncate(end)
        return ids

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        rows = [r for r in rows if r["id"] not in self.ids]
        if not rows:
            return
        with self.out.open("a", encoding="utf-8") as f:
            f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            f.flush()
            os.fsync(f.fileno())
        self.ids.update(r["id"] for r in rows)


def row_ids(out: Path, data: bytes | None = None) -> set[str]:
    """Ids of the whole rows in an output file (read only: a torn last line is ignored)."""
    if data is None:
        if not out.exists():
            return set()
        data = out.read_bytes()
        data = data[:data.rfind(b"\n") + 1]
    ids = set()
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            ids.add(json.loads(line)["id"])
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InputError(f"{out}:{number}: not a row written by mentalbench data "
                             "(expected a JSON object with an 'id'): choose another --out"
                             ) from None
    return ids
