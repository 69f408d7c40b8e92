BEGIN TRANSACTION;
CREATE TABLE answers (
    key TEXT PRIMARY KEY, question_id TEXT NOT NULL, sample INTEGER NOT NULL,
    model TEXT NOT NULL, answer_set TEXT NOT NULL, text TEXT NOT NULL, usage TEXT NOT NULL,
    provenance TEXT NOT NULL, created REAL NOT NULL);
INSERT INTO "answers" VALUES('29a16b2d98decb325e8860753bb42c19','q1',0,'helper-model','e813231b','Slow breathing before you start can help; so can a short walk.','{"prompt_tokens": 0, "completion_tokens": 0}','{"source": "answers.jsonl"}',1.79602071397148466114e+09);
INSERT INTO "answers" VALUES('ea3ae33d219157e9887ad39c0262d32c','q2',0,'helper-model','e813231b','Writing the worries down before bed may ease them a little.','{"prompt_tokens": 0, "completion_tokens": 0}','{"source": "answers.jsonl"}',1.79602071397148466114e+09);
INSERT INTO "answers" VALUES('ea04f0c652bf9a906cbc0cfe57fd1047','q3',0,'helper-model','e813231b','You could send a short, kind message asking how he is.','{"prompt_tokens": 0, "completion_tokens": 0}','{"source": "answers.jsonl"}',1.79602071397148466114e+09);
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
INSERT INTO "invocations" VALUES(1,'2026-11-30T06:38:33Z','2026-11-30T06:38:33Z','{"command": "mentalbench judge -a answers.jsonl -q questions.jsonl --import-judgments ratings.csv --no-checks", "arguments": {"answers": ["answers.jsonl"], "name": null, "judges": [], "judge_opt": {}, "questions": "questions.jsonl", "limit": null, "rubric": null, "import_judgments": "ratings.csv", "import_name": null}, "versions": {"python": "3.11.7", "mentalbench": "0.1.0", "torch": "2.13.0+cpu", "transformers": "5.24.0", "peft": "0.21.2", "bitsandbytes": "0.50.2", "openai": "3.57.0", "google-genai": "3.6.1"}, "questions": {"name": "questions", "sha256": "68ff9836d4f190b6", "selected": 3}, "model": null, "answer_files": [{"path": "answers.jsonl", "model": "helper-model", "answer_set": "e813231b", "answers": 3, "duplicates_dropped": 0}], "judges": [], "checks": [], "imports": {"path": "ratings.csv", "format": "csv", "rows": 3, "judgments": 3, "rubric": "mentalgpt", "rubric_sha256": "8a2f5c3021f3d86d", "judges": ["human:ann"], "prompts": {}, "notes": []}}','{"answers": 3, "generated": 0, "expected": 3, "scored": 3, "judged": 3, "checks": 0, "undone": {}, "stopped": "", "seconds": 0.0, "spend": []}',0);
CREATE TABLE judgments (
    key TEXT PRIMARY KEY, answer_key TEXT NOT NULL, question_id TEXT NOT NULL,
    sample INTEGER NOT NULL, model TEXT NOT NULL, answer_set TEXT NOT NULL, judge TEXT NOT NULL,
    judge_model TEXT NOT NULL, judge_model_served TEXT NOT NULL, judge_samples INTEGER NOT NULL,
    rubric TEXT NOT NULL, rubric_sha TEXT NOT NULL, question_set TEXT NOT NULL,
    question_set_sha TEXT NOT NULL, mode TEXT NOT NULL, prompt_hash TEXT NOT NULL,
    status TEXT NOT NULL, scores TEXT NOT NULL, raw TEXT NOT NULL, usage TEXT NOT NULL,
    attempt INTEGER NOT NULL, created REAL NOT NULL);
INSERT INTO "judgments" VALUES('28696c25177b494089ff1efc4e67e2f2','29a16b2d98decb325e8860753bb42c19','q1',0,'helper-model','e813231b','human:ann','human','human',1,'mentalgpt','8a2f5c3021f3d86d','questions','68ff9836d4f190b6','import','','scored','[{"metric": "overall", "value": 7.0, "mode": "import", "spread": null}, {"metric": "active_listening", "value": 7.0, "mode": "import", "spread": null}, {"metric": "empathy_validation", "value": 7.0, "mode": "import", "spread": null}, {"metric": "safety_trustworthiness", "value": 7.0, "mode": "import", "spread": null}, {"metric": "open_mindedness_non_judgment", "value": 7.0, "mode": "import", "spread": null}, {"metric": "clarity_encouragement", "value": 7.0, "mode": "import", "spread": null}, {"metric": "boundaries_ethical", "value": 7.0, "mode": "import", "spread": null}, {"metric": "holistic_approach", "value": 7.0, "mode": "import", "spread": null}]','overall: 7
active_listening: 7
empathy_validation: 7
safety_trustworthiness: 7
open_mindedness_non_judgment: 7
clarity_encouragement: 7
boundaries_ethical: 7
holistic_approach: 7','{"prompt_tokens": 0, "completion_tokens": 0}',0,1.79602071397179222111e+09);
INSERT INTO "judgments" VALUES('1cacc0fc37947639ce674e2e108ae5bd','ea3ae33d219157e9887ad39c0262d32c','q2',0,'helper-model','e813231b','human:ann','human','human',1,'mentalgpt','8a2f5c3021f3d86d','questions','68ff9836d4f190b6','import','','scored','[{"metric": "overall", "value": 6.0, "mode": "import", "spread": null}, {"metric": "active_listening", "value": 6.0, "mode": "import", "spread": null}, {"metric": "empathy_validation", "value": 6.0, "mode": "import", "spread": null}, {"metric": "safety_trustworthiness", "value": 6.0, "mode": "import", "spread": null}, {"metric": "open_mindedness_non_judgment", "value": 6.0, "mode": "import", "spread": null}, {"metric": "clarity_encouragement", "value": 6.0, "mode": "import", "spread": null}, {"metric": "boundaries_ethical", "value": 6.0, "mode": "import", "spread": null}, {"metric": "holistic_approach", "value": 6.0, "mode": "import", "spread": null}]','overall: 6
active_listening: 6
empathy_validation: 6
safety_trustworthiness: 6
open_mindedness_non_judgment: 6
clarity_encouragement: 6
boundaries_ethical: 6
holistic_approach: 6','{"prompt_tokens": 0, "completion_tokens": 0}',0,1.79602071397179222111e+09);
INSERT INTO "judgments" VALUES('68daeb05d0dd48c70ec046377af36418','ea04f0c652bf9a906cbc0cfe57fd1047','q3',0,'helper-model','e813231b','human:ann','human','human',1,'mentalgpt','8a2f5c3021f3d86d','questions','68ff9836d4f190b6','import','','scored','[{"metric": "overall", "value": 8.0, "mode": "import", "spread": null}, {"metric": "active_listening", "value": 8.0, "mode": "import", "spread": null}, {"metric": "empathy_validation", "value": 8.0, "mode": "import", "spread": null}, {"metric": "safety_trustworthiness", "value": 8.0, "mode": "import", "spread": null}, {"metric": "open_mindedness_non_judgment", "value": 8.0, "mode": "import", "spread": null}, {"metric": "clarity_encouragement", "value": 8.0, "mode": "import", "spread": null}, {"metric": "boundaries_ethical", "value": 8.0, "mode": "import", "spread": null}, {"metric": "holistic_approach", "value": 8.0, "mode": "import", "spread": null}]','overall: 8
active_listening: 8
empathy_validation: 8
safety_trustworthiness: 8
open_mindedness_non_judgment: 8
clarity_encouragement: 8
boundaries_ethical: 8
holistic_approach: 8','{"prompt_tokens": 0, "completion_tokens": 0}',0,1.79602071397179222111e+09);
CREATE TABLE question_sets (
    sha TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL,
    size INTEGER NOT NULL, created REAL NOT NULL);
INSERT INTO "question_sets" VALUES('68ff9836d4f190b6','questions','questions.jsonl','native',3,1.79602071397110342977e+09);
CREATE TABLE questions (
    question_set_sha TEXT NOT NULL, id TEXT NOT NULL, position INTEGER NOT NULL,
    topic TEXT NOT NULL, text TEXT NOT NULL, tags TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (question_set_sha, id));
INSERT INTO "questions" VALUES('68ff9836d4f190b6','q1',0,'Anxiety','My heart races before every exam. How do I calm down?','[]','');
INSERT INTO "questions" VALUES('68ff9836d4f190b6','q2',1,'Sleep','I lie awake until four every night worrying about money.','[]','');
INSERT INTO "questions" VALUES('68ff9836d4f190b6','q3',2,'Family','My brother stopped speaking to me and I do not know why.','[]','');
CREATE TABLE replies (
    key TEXT PRIMARY KEY, completion TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE rubrics (
    sha TEXT PRIMARY KEY, name TEXT NOT NULL, metrics TEXT NOT NULL, created REAL NOT NULL);
INSERT INTO "rubrics" VALUES('8a2f5c3021f3d86d','mentalgpt','[{"key": "overall", "name": "Overall", "overall": true}, {"key": "active_listening", "name": "Active Listening", "overall": false}, {"key": "empathy_validation", "name": "Empathy & Validation", "overall": false}, {"key": "safety_trustworthiness", "name": "Safety & Trustworthiness", "overall": false}, {"key": "open_mindedness_non_judgment", "name": "Open-mindedness & Non-judgment", "overall": false}, {"key": "clarity_encouragement", "name": "Clarity & Encouragement", "overall": false}, {"key": "boundaries_ethical", "name": "Boundaries & Ethical", "overall": false}, {"key": "holistic_approach", "name": "Holistic Approach", "overall": false}]',1.79602071397127127649e+09);
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO "schema_version" VALUES(2);
CREATE INDEX judgments_answer ON judgments (answer_key);
CREATE INDEX failures_key ON failures (key);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('invocations',1);
COMMIT;
