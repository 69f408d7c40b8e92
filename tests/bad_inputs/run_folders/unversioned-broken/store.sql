CREATE TABLE answers (key TEXT PRIMARY KEY, text TEXT);
INSERT INTO answers VALUES ('k1', 'an answer');
