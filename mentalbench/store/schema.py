"""The run store's tables, their version, and the migrations that bring old stores up to date.

A table change is a migration added to MIGRATIONS (never edit a released one); the version follows.
"""

from __future__ import annotations

import json
import sqlite3

from ..records.base import PARTIAL, SCORED, UNSCORED, Judgment
from ..records.identity import JudgmentIdentity
from .clock import utc_stamp
from .tables import Column, Table, columns

#: The judgments table: its identity columns come from identity.JudgmentIdentity.
JUDGMENTS = Table("judgments", "key", columns(JudgmentIdentity), extra=(
    *columns(Judgment, only=("answer_key", "judge_model_served", "judge_samples", "prompt_hash")),
    Column("status", "TEXT", "''"), *columns(Judgment, only=("error",)),
    Column("scores", "TEXT", "'[]'"), *columns(Judgment, only=("raw",)),
    Column("usage", "TEXT", "'{}'"), *columns(Judgment, only=("attempt",)),
    Column("created", "REAL", "0")))

#: Schema 2's tables as released (the step from 1 makes exactly these).
TABLES_V2 = """
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

#: Why an answer is missing (a judgment that could not be made is a judgments row instead).
ANSWER_FAILURES = """
CREATE TABLE IF NOT EXISTS answer_failures (
    key TEXT NOT NULL, error TEXT NOT NULL, context TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS answer_failures_key ON answer_failures (key)"""

#: Schema 3's judgments table as released (the step from 2 makes exactly this one).
JUDGMENTS_V3 = """
CREATE TABLE judgments (
    key TEXT PRIMARY KEY, model TEXT NOT NULL DEFAULT '', answer_set TEXT NOT NULL DEFAULT '',
    question_id TEXT NOT NULL DEFAULT '', sample INTEGER NOT NULL DEFAULT 0,
    judge TEXT NOT NULL DEFAULT '', judge_model TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL DEFAULT 'text', rubric TEXT NOT NULL DEFAULT '',
    rubric_sha TEXT NOT NULL DEFAULT '', question_set TEXT NOT NULL DEFAULT '',
    question_set_sha TEXT NOT NULL DEFAULT '', answer_key TEXT NOT NULL DEFAULT '',
    judge_model_served TEXT NOT NULL DEFAULT '', judge_samples INTEGER NOT NULL DEFAULT 1,
    prompt_hash TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '', scores TEXT NOT NULL DEFAULT '[]',
    raw TEXT NOT NULL DEFAULT '', usage TEXT NOT NULL DEFAULT '{}',
    attempt INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL DEFAULT 0)"""
_INDEXES = "CREATE INDEX IF NOT EXISTS judgments_answer ON judgments (answer_key)"


def tables() -> str:
    """Today's tables: schema 2's, with judgments declared by its record and answer failures."""
    kept = [s for s in TABLES_V2.split(";") if s.strip() and " judgments " not in s
            and " failures " not in s and "judgments_answer" not in s and "failures_key" not in s]
    return ";".join([*kept, JUDGMENTS.create(), _INDEXES, ANSWER_FAILURES])



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
        _statements(db, tables())
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
    _statements(db, TABLES_V2)
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
    stamp = utc_stamp()
    db.execute("INSERT INTO invocations (started, finished, record) VALUES (?,?,?)",
               (stamp, stamp, json.dumps(record)))
    for table in ("answers", "judgments", "failures"):
        db.execute(f"DROP TABLE {table}_v1")


_NOT_MADE = {"judge": "failed", "unanswered": "unanswered", "empty": "empty"}


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """Schema 2 kept failures in a table of their own with the identity as JSON: a judgment
    that could not be made becomes a judgments row with its status and error; answer failures
    move to answer_failures."""
    db.execute("ALTER TABLE judgments RENAME TO judgments_v2")
    db.execute("DROP INDEX IF EXISTS judgments_answer")
    db.execute(JUDGMENTS_V3)
    db.execute(_INDEXES)
    _statements(db, ANSWER_FAILURES)
    db.execute(
        "INSERT INTO judgments (key, model, answer_set, question_id, sample, judge, judge_model, "
        "mode, rubric, rubric_sha, question_set, question_set_sha, answer_key, "
        "judge_model_served, judge_samples, prompt_hash, status, error, scores, raw, usage, "
        "attempt, created) SELECT key, model, answer_set, question_id, sample, judge, "
        "judge_model, mode, rubric, rubric_sha, question_set, question_set_sha, answer_key, "
        "judge_model_served, judge_samples, prompt_hash, status, '', scores, raw, usage, "
        "attempt, created FROM judgments_v2")
    db.execute("INSERT INTO answer_failures SELECT key, error, context, created FROM failures "
               "WHERE stage = 'answer' ORDER BY created, rowid")
    latest: dict[str, tuple] = {}
    for key, stage, error, context, created in db.execute(
            "SELECT key, stage, error, context, created FROM failures WHERE stage != 'answer' "
            "AND key NOT IN (SELECT key FROM judgments) ORDER BY created, rowid"):
        c = json.loads(context)
        if c.get("judge"):
            latest[key] = (key, c.get("model", ""), c.get("answer_set", ""),
                           c.get("question_id", ""), int(c.get("sample", 0)), c["judge"],
                           c.get("judge_model", ""), c.get("mode", "text"), c.get("rubric", ""),
                           c.get("rubric_sha", ""), c.get("question_set", ""),
                           c.get("question_set_sha", ""), c.get("answer_key", ""),
                           _NOT_MADE.get(stage, stage), error, created)
    db.executemany(
        "INSERT INTO judgments (key, model, answer_set, question_id, sample, judge, judge_model, "
        "mode, rubric, rubric_sha, question_set, question_set_sha, answer_key, status, error, "
        "created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", list(latest.values()))
    db.execute("DROP TABLE judgments_v2")
    db.execute("DROP TABLE failures")


#: MIGRATIONS[n] takes a store of version n to n + 1, inside one transaction.
MIGRATIONS = {1: _v1_to_v2, 2: _v2_to_v3}
#: The version this code writes: one past the last migration's source.
SCHEMA_VERSION = max(MIGRATIONS) + 1


def migrate(db: sqlite3.Connection, found: int) -> None:
    """Bring a store of version `found` up to SCHEMA_VERSION, one step a transaction."""
    for version in range(found, SCHEMA_VERSION):
        def work(db, version=version):
            MIGRATIONS[version](db)
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version VALUES (?)", (version + 1,))
        _transaction(db, work)
