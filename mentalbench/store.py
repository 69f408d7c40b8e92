"""The run store: SQLite (WAL) tables of answers, judgments and failures, keyed by content hash."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

from .records import Answer, Judgment, Score, Usage

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY, question_id TEXT NOT NULL, model TEXT NOT NULL, text TEXT NOT NULL,
    usage TEXT NOT NULL, provenance TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS judgments (
    key TEXT PRIMARY KEY, answer_key TEXT NOT NULL, question_id TEXT NOT NULL, model TEXT NOT NULL,
    judge TEXT NOT NULL, rubric TEXT NOT NULL, prompt_hash TEXT NOT NULL, mode TEXT NOT NULL,
    scores TEXT NOT NULL, raw TEXT NOT NULL, usage TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT NOT NULL, stage TEXT NOT NULL, error TEXT NOT NULL, created REAL NOT NULL);
"""


class Store:
    """One run directory's SQLite database."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # answers
    def answers(self, keys: Iterable[str]) -> dict[str, Answer]:
        """Stored answers among `keys`."""
        out = {}
        for chunk in _chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                    f"SELECT key, question_id, model, text, usage, provenance FROM answers "
                    f"WHERE key IN ({marks})", chunk):
                out[row[0]] = Answer(row[0], row[1], row[2], row[3], Usage(**json.loads(row[4])),
                                     json.loads(row[5]))
        return out

    def put_answers(self, answers: Sequence[Answer]) -> None:
        now = time.time()
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO answers VALUES (?,?,?,?,?,?,?)",
                [(a.key, a.question_id, a.model, a.text, json.dumps(asdict(a.usage)),
                  json.dumps(a.provenance, default=str), now) for a in answers])

    # judgments
    def judgments(self, keys: Iterable[str]) -> dict[str, Judgment]:
        """Stored judgments among `keys`."""
        out = {}
        for chunk in _chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                    f"SELECT key, answer_key, question_id, model, judge, rubric, prompt_hash, "
                    f"mode, scores, raw, usage FROM judgments WHERE key IN ({marks})", chunk):
                scores = tuple(Score(**s) for s in json.loads(row[8]))
                out[row[0]] = Judgment(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                                       row[9], scores, row[7], Usage(**json.loads(row[10])))
        return out

    def put_judgments(self, judgments: Sequence[Judgment]) -> None:
        now = time.time()
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO judgments VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(j.key, j.answer_key, j.question_id, j.model, j.judge, j.rubric, j.prompt_hash,
                  j.mode, json.dumps([asdict(s) for s in j.scores]), j.raw,
                  json.dumps(asdict(j.usage)), now) for j in judgments])

    # failures
    def record_failure(self, key: str, stage: str, error: str) -> None:
        with self.db:
            self.db.execute("INSERT INTO failures VALUES (?,?,?,?)", (key, stage, error, time.time()))

    def failures(self, keys: Iterable[str]) -> dict[str, str]:
        """The latest error for each of `keys` that failed and has no result since."""
        out: dict[str, str] = {}
        for chunk in _chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            for key, error in self.db.execute(
                    f"SELECT key, error FROM failures WHERE key IN ({marks}) "
                    "AND key NOT IN (SELECT key FROM answers) "
                    "AND key NOT IN (SELECT key FROM judgments) ORDER BY created, rowid",
                    chunk):
                out[key] = error
        return out


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]
