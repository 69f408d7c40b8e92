BEGIN TRANSACTION;
CREATE TABLE answers (
    key TEXT PRIMARY KEY, question_id TEXT NOT NULL, sample INTEGER NOT NULL,
    model TEXT NOT NULL, answer_set TEXT NOT NULL, text TEXT NOT NULL, usage TEXT NOT NULL,
    provenance TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE checks (
    key TEXT PRIMARY KEY, answer_key TEXT NOT NULL, question_id TEXT NOT NULL,
    sample INTEGER NOT NULL, model TEXT NOT NULL, answer_set TEXT NOT NULL,
    check_name TEXT NOT NULL, check_version TEXT NOT NULL, question_set TEXT NOT NULL,
    question_set_sha TEXT NOT NULL, result TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE failures (
    key TEXT NOT NULL, stage TEXT NOT NULL, error TEXT NOT NULL, context TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE invocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT,
    record TEXT NOT NULL, summary TEXT, exit_status INTEGER);
CREATE TABLE judgments (
    key TEXT PRIMARY KEY, answer_key TEXT NOT NULL, question_id TEXT NOT NULL,
    sample INTEGER NOT NULL, model TEXT NOT NULL, answer_set TEXT NOT NULL, judge TEXT NOT NULL,
    judge_model TEXT NOT NULL, judge_model_served TEXT NOT NULL, judge_samples INTEGER NOT NULL,
    rubric TEXT NOT NULL, rubric_sha TEXT NOT NULL, question_set TEXT NOT NULL,
    question_set_sha TEXT NOT NULL, mode TEXT NOT NULL, prompt_hash TEXT NOT NULL,
    status TEXT NOT NULL, scores TEXT NOT NULL, raw TEXT NOT NULL, usage TEXT NOT NULL,
    attempt INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE question_sets (
    sha TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL,
    size INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE questions (
    question_set_sha TEXT NOT NULL, id TEXT NOT NULL, position INTEGER NOT NULL,
    topic TEXT NOT NULL, text TEXT NOT NULL, tags TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (question_set_sha, id));
CREATE TABLE replies (
    key TEXT PRIMARY KEY, completion TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE rubrics (
    sha TEXT PRIMARY KEY, name TEXT NOT NULL, metrics TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO "schema_version" VALUES(99);
CREATE INDEX judgments_answer ON judgments (answer_key);
CREATE INDEX failures_key ON failures (key);
DELETE FROM "sqlite_sequence";
COMMIT;
