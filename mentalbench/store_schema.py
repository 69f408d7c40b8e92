"""The run store's tables, their version, and the migrations that bring old stores up to date."""

from __future__ import annotations

import json
import sqlite3
import time

from .records import PARTIAL, SCORED, UNSCORED

#: Bump with a migration below whenever a table changes; never edit a released migration.
SCHEMA_VERSION = 2

TABLES = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS question_sets (
    sha TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL,
    size INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    question_set_sha TEXT NOT NULL, id TEXT NOT NULL, position INTEGER NOT NULL,
    topic TEXT NOT NULL, text TEXT NOT NULL, tags TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (question_set_sha, id));
CREATE TABLE IF NOT EXISTS rubrics (
    sha TEXT PRIMARY KEY, name TEXT NOT NULL, metrics TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY, question_id TEXT NOT NULL, sample INTEGER NOT NULL,
    model TEXT NOT NULL, answer_set TEXT NOT NULL, text TEXT NOT NULL, usage TEXT NOT NULL,
    provenance TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY, completion TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS judgments (
    key TEXT PRIMARY KEY, answer_key TEXT NOT NULL, question_id TEXT NOT NULL,
    sample INTEGER NOT NULL, model TEXT NOT NULL, answer_set TEXT NOT NULL, judge TEXT NOT NULL,
    judge_model TEXT NOT NULL, judge_model_served TEXT NOT NULL, judge_samples INTEGER NOT NULL,
    rubric TEXT NOT NULL, rubric_sha TEXT NOT NULL, question_set TEXT NOT NULL,
    question_set_sha TEXT NOT NULL, mode TEXT NOT NULL, prompt_hash TEXT NOT NULL,
    status TEXT NOT NULL, scores TEXT NOT NULL, raw TEXT NOT NULL, usage TEXT NOT NULL,
    attempt INTEGER NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS judgments_answer ON judgments (answer_key);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT NOT NULL, stage TEXT NOT NULL, error TEXT NOT NULL, context TEXT NOT NULL,
    created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_key ON failures (key);
CREATE TABLE IF NOT EXISTS checks (
    key TEXT PRIMARY KEY, answer_key TEXT NOT NULL, question_id TEXT NOT NULL,
    sample INTEGER NOT NULL, model TEXT NOT NULL, answer_set TEXT NOT NULL,
    check_name TEXT NOT NULL, check_version TEXT NOT NULL, question_set TEXT NOT NULL,
    question_set_sha TEXT NOT NULL, result TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS invocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT,
    record TEXT NOT NULL, summary TEXT, exit_status INTEGER);
"""


def version_of(db: sqlite3.Connection) -> int:
    """0 for an empty database, 1 for a store from before versions, else the recorded one."""
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "schema_version" in names:
        row = db.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else 0
    return 1 if "answers" in names else 0


def _statements(db: sqlite3.Connection, script: str) -> None:
    # One statement at a time: executescript() would commit the transaction it is part of.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _transaction(db: sqlite3.Connection, work) -> None:
    """Run work(db) in one explicit transaction (DDL included), rolled back on any error."""
    level = db.isolation_level
    db.isolation_level = None
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            work(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    finally:
        db.isolation_level = level


def create(db: sqlite3.Connection) -> None:
    """Make the current tables in an empty database."""
    def work(db):
        _statements(db, TABLES)
        db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
    _transaction(db, work)


def _status(scores: list[dict]) -> str:
    rated = sum(s.get("value") is not None for s in scores)
    return SCORED if scores and rated == len(scores) else (PARTIAL if rated else UNSCORED)


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Schema 1 (no version table): identities not recorded are left empty, to be adopted by
    the next run that finds the same answers and judgments by their keys."""
    for table in ("answers", "judgments", "failures"):
        db.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")
    _statements(db, TABLES)
    db.execute("INSERT INTO answers SELECT key, question_id, 0, model, '', text, usage, "
               "provenance, created FROM answers_v1")
    rows = db.execute("SELECT key, answer_key, question_id, model, judge, rubric, prompt_hash, "
                      "mode, scores, raw, usage, created FROM judgments_v1").fetchall()
    db.executemany(
        "INSERT INTO judgments VALUES (?,?,?,0,?,'',?,'','',1,?,'','','',?,?,?,?,?,?,0,?)",
        [(k, ak, qid, model, judge, rubric, mode, ph, _status(json.loads(scores)), scores, raw,
          usage, created)
         for k, ak, qid, model, judge, rubric, ph, mode, scores, raw, usage, created in rows])
    db.execute("INSERT INTO failures SELECT key, stage, error, '{}', created FROM failures_v1")
    record = {"command": "(written by mentalbench with store schema 1, which kept no history)",
              "migrated_from_schema": 1}
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    db.execute("INSERT INTO invocations (started, finished, record) VALUES (?,?,?)",
               (stamp, stamp, json.dumps(record)))
    for table in ("answers", "judgments", "failures"):
        db.execute(f"DROP TABLE {table}_v1")


#: MIGRATIONS[n] takes a store of version n to n + 1, inside one transaction.
MIGRATIONS = {1: _v1_to_v2}


def migrate(db: sqlite3.Connection, found: int) -> None:
    """Bring a store of version `found` up to SCHEMA_VERSION, one step a transaction."""
    for version in range(found, SCHEMA_VERSION):
        def work(db, version=version):
            MIGRATIONS[version](db)
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version VALUES (?)", (version + 1,))
        _transaction(db, work)
