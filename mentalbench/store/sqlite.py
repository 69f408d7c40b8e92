"""The SQLite set-up that run stores and plugin state files share: WAL, waits, chunked lookups."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

#: SQLite's default limit on bound parameters is 999 on old builds: stay below it.
CHUNK = 500


def connect(path: Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A read-write connection in WAL mode (readers never block the one writer)."""
    db = sqlite3.connect(path, timeout=timeout)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, crash-safe
    return db


def connect_readonly(path: Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection that cannot write, nor create the file or its -wal/-shm companions."""
    path = Path(path)
    # With no WAL file beside it, nothing is being written (connect() always uses WAL): read it
    # as immutable, so that reading creates no -wal/-shm files (and works in folders we cannot
    # write). A live WAL in a folder we can write is read the ordinary read-only way.
    live = Path(f"{path}-wal").exists() and os.access(path.parent, os.W_OK)
    flags = "mode=ro" if live else "mode=ro&immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=timeout)


def chunks(items: Sequence, n: int = CHUNK) -> Iterator[Sequence]:
    """Consecutive slices of at most n items."""
    for i in range(0, len(items), n):
        yield items[i:i + n]


def select_in(db: sqlite3.Connection, sql: str, values: Iterable, *, before: Sequence = ()
              ) -> Iterator[tuple]:
    """Rows of `sql` whose single `IN ({marks})` placeholder takes `values`, in chunks."""
    values = list(values)
    for part in chunks(values):
        marks = ",".join("?" * len(part))
        yield from db.execute(sql.format(marks=marks), [*before, *part])
