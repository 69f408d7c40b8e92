"""The run store: one SQLite file per run directory holding every answer, reply and judgment."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InputError
from ..inputs.textfiles import require_regular
from ..models.secrets import mask_text
from ..records.base import (
    NOT_MADE,
    Answer,
    CheckResult,
    Completion,
    Judgment,
    Question,
    Score,
    Usage,
)
from ..records.identity import JUDGMENT_FIELDS, identity_of
from . import schema as store_schema
from .clock import utc_stamp
from .schema import JUDGMENTS
from .sqlite import connect, connect_readonly, select_in

if TYPE_CHECKING:
    from ..inputs.questions import QuestionSet
    from ..inputs.rubric import Rubric

T = TypeVar("T")


@dataclass(frozen=True)
class FailureRecord:
    """Why an answer is missing: one recorded error for its key (the latest is what counts)."""

    key: str
    error: str
    context: Mapping[str, Any] = field(default_factory=dict)
    created: float = 0.0


@dataclass(frozen=True)
class CheckRecord:
    """A deterministic check's result on one answer, with the identities it belongs to."""

    key: str
    answer_key: str
    question_id: str
    sample: int
    model: str
    answer_set: str
    check: str
    check_version: str
    question_set: str
    question_set_sha: str
    result: CheckResult


def clean_text(text: str) -> str:
    """Text that SQLite can hold: lone surrogates (from broken \\ud800 escapes) become U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class Store:
    """One run directory's SQLite database, migrated to the current schema on open."""

    def __init__(self, path: str | Path, db: sqlite3.Connection | None = None):
        self.path = Path(path)
        try:
            self.db = db or connect(self.path)
            found = store_schema.version_of(self.db)
            if found == 0:
                store_schema.create(self.db)
            elif found < store_schema.SCHEMA_VERSION:
                store_schema.migrate(self.db, found)
            elif found > store_schema.SCHEMA_VERSION:
                raise InputError(_newer(self.path, found))
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a usable mentalbench store ({exc})") from None

    @classmethod
    def readonly(cls, path: str | Path) -> Store:
        """The store for reading only; an old schema is migrated in a copy held in memory."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path.parent}: not a run directory (no store.sqlite)")
        try:
            disk = connect_readonly(path)
            memory = sqlite3.connect(":memory:")
            disk.backup(memory)
            disk.close()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path}: not a usable mentalbench store ({exc})") from None
        return cls(path, db=memory)

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, keys: Iterable[str]) -> Iterable[tuple]:
        return select_in(self.db, sql, keys)

    # -- what the answers were to -------------------------------------------------------------
    def put_question_set(self, qset: QuestionSet) -> None:
        """Record a question set and all its questions (once per content hash)."""
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO question_sets VALUES (?,?,?,?,?,?)",
                            (qset.sha256, qset.name, str(qset.path), qset.format,
                             len(qset.questions), time.time()))
            self.db.executemany(
                "INSERT OR IGNORE INTO questions VALUES (?,?,?,?,?,?,?)",
                [(qset.sha256, q.id, i, q.topic, q.text, _json(list(q.tags)), q.source)
                 for i, q in enumerate(qset.questions)])

    def put_rubric(self, rubric: Rubric) -> None:
        metrics = [{"key": m.key, "name": m.name, "overall": rubric.overall is m}
                   for m in rubric.rated]
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO rubrics VALUES (?,?,?,?)",
                            (rubric.sha256, rubric.name, _json(metrics), time.time()))

    def question_sets(self) -> list[dict[str, Any]]:
        cols = ("sha", "name", "path", "format", "size")
        return [dict(zip(cols, r, strict=True)) for r in self.db.execute(
            "SELECT sha, name, path, format, size FROM question_sets ORDER BY created")]

    def questions(self) -> list[tuple[str, int, Question]]:
        """(question set hash, position, question) for every stored question."""
        return [(sha, pos, Question(qid, topic, text, tuple(json.loads(tags)), source))
                for sha, qid, pos, topic, text, tags, source in self.db.execute(
                    "SELECT question_set_sha, id, position, topic, text, tags, source "
                    "FROM questions ORDER BY question_set_sha, position")]

    def rubrics(self) -> list[dict[str, Any]]:
        return [{"sha": sha, "name": name, "metrics": json.loads(metrics)}
                for sha, name, metrics in self.db.execute(
                    "SELECT sha, name, metrics FROM rubrics ORDER BY created")]

    # -- answers ------------------------------------------------------------------------------
    _ANSWER = "key, question_id, sample, model, answer_set, text, usage, provenance"

    def _answer(self, row: tuple) -> Answer:
        key, qid, sample, model, answer_set, text, usage, prov = row
        return Answer(key, qid, model, text, self._load("answer", key, "usage", usage,
                                                         Usage.from_dict),
                      self._load("answer", key, "provenance", prov, dict), sample, answer_set)

    def _load(self, kind: str, key: str, field: str, text: str, make: Callable[[Any], T]) -> T:
        """A stored JSON field, made into its record; a damaged one is a one-line error."""
        try:
            return make(json.loads(text))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{self.path}: {kind} {key!r}: field {field!r}: not as mentalbench "
                             f"writes it ({type(exc).__name__}: {exc}); the store is damaged"
                             ) from None

    def answers(self, keys: Iterable[str]) -> dict[str, Answer]:
        """Stored answers among `keys`."""
        rows = self._rows(f"SELECT {self._ANSWER} FROM answers WHERE key IN ({{marks}})", keys)
        return {r[0]: self._answer(r) for r in rows}

    def all_answers(self) -> list[Answer]:
        return [self._answer(r) for r in self.db.execute(
            f"SELECT {self._ANSWER} FROM answers ORDER BY model, answer_set, question_id, sample")]

    def put_answers(self, answers: Sequence[Answer]) -> None:
        """Store answers (the same key again replaces the row, as the same content would)."""
        now = time.time()
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO answers VALUES (?,?,?,?,?,?,?,?,?)",
                [(a.key, a.question_id, a.sample, a.model, a.answer_set, clean_text(a.text),
                  _json(a.usage.to_dict()), _json(dict(a.provenance)), now) for a in answers])

    def adopt_answers(self, answers: Sequence[Answer]) -> None:
        """Give rows written before identities were recorded (schema 1) this run's answer set."""
        rows = [(a.answer_set, a.key) for a in answers if a.answer_set]
        with self.db:
            self.db.executemany("UPDATE answers SET answer_set=? WHERE key=? AND answer_set=''",
                                rows)
            self.db.executemany("UPDATE judgments SET answer_set=? WHERE answer_key=? "
                                "AND answer_set=''", rows)

    # -- raw replies of judges: every paid reply is kept the moment it arrives -----------------
    def replies(self, keys: Iterable[str]) -> dict[str, Completion]:
        rows = self._rows("SELECT key, completion FROM replies WHERE key IN ({marks})", keys)
        return {k: Completion.from_dict(json.loads(c)) for k, c in rows}

    def put_reply(self, key: str, completion: Completion) -> None:
        data = completion.to_dict()
        data["text"] = clean_text(mask_text(completion.text))
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO replies VALUES (?,?,?)",
                            (key, _json(data), time.time()))

    # -- judgments (and those that could not be made, each a row with its status) --------------
    def _judgment(self, row: sqlite3.Row) -> Judgment:
        key = row["key"]
        return Judgment(
            **{n: row[n] for n in JUDGMENT_FIELDS}, key=key, answer_key=row["answer_key"],
            prompt_hash=row["prompt_hash"], raw=row["raw"],
            scores=self._load("judgment", key, "scores", row["scores"],
                              lambda rows: tuple(Score.from_dict(s) for s in rows)),
            usage=self._load("judgment", key, "usage", row["usage"], Usage.from_dict),
            judge_model_served=row["judge_model_served"], judge_samples=row["judge_samples"],
            attempt=row["attempt"], failure=row["status"] if row["status"] in NOT_MADE else "",
            error=row["error"])

    def _judgment_rows(self, sql: str, keys: Iterable[str] | None = None) -> list[Judgment]:
        self.db.row_factory = sqlite3.Row
        try:
            rows = self.db.execute(sql) if keys is None else self._rows(sql, keys)
            return [self._judgment(r) for r in rows]
        finally:
            self.db.row_factory = None

    def judgments(self, keys: Iterable[str]) -> dict[str, Judgment]:
        """Stored judgments among `keys` that a judge made (rated or not)."""
        sql = JUDGMENTS.select(f"key IN ({{marks}}) AND status NOT IN {NOT_MADE!r}")
        return {j.key: j for j in self._judgment_rows(sql, keys)}

    def all_judgments(self) -> list[Judgment]:
        """Every judgment row: those made, then none of them, those that could not be made."""
        return self._judgment_rows(JUDGMENTS.select(
            order="judge, model, question_id, sample"))

    def put_judgments(self, judgments: Sequence[Judgment]) -> None:
        """Store judgments (a made one replaces whatever its key held)."""
        with self.db:
            self.db.executemany(JUDGMENTS.insert(), [self._params(j) for j in judgments])

    def put_failures(self, failures: Sequence[Judgment]) -> None:
        """Store judgments that could not be made; a made judgment of the same key stays."""
        update = ", ".join(f"{n}=excluded.{n}" for n in JUDGMENTS.names if n != "key")
        sql = (JUDGMENTS.insert("INSERT") + f" ON CONFLICT(key) DO UPDATE SET {update} "
               f"WHERE judgments.status IN {NOT_MADE!r}")
        with self.db:
            self.db.executemany(sql, [self._params(j) for j in failures])

    def _params(self, j: Judgment) -> dict[str, Any]:
        return {**identity_of(j), "key": j.key, "answer_key": j.answer_key,
                "judge_model_served": j.judge_model_served, "judge_samples": j.judge_samples,
                "prompt_hash": j.prompt_hash, "status": j.status, "error": clean_text(
                    mask_text(j.error)), "scores": _json([s.to_dict() for s in j.scores]),
                "raw": clean_text(mask_text(j.raw)), "usage": _json(j.usage.to_dict()),
                "attempt": j.attempt, "created": time.time()}

    def adopt_judgments(self, keys: Iterable[str], identity: Mapping[str, Any]) -> None:
        """Fill the empty identity fields (schema 1 rows) of these judgments."""
        names = [n for n in ("judge_model", "rubric_sha", "question_set", "question_set_sha")
                 if identity.get(n)]
        with self.db:
            for key in keys:
                for name in names:
                    self.db.execute(f"UPDATE judgments SET {name}=? WHERE key=? AND {name}=''",
                                    (identity[name], key))

    # -- failures -----------------------------------------------------------------------------
    def record_failure(self, key: str, error: str, context: Mapping[str, Any] | None = None
                       ) -> None:
        """Record why an answer could not be had (a judgment's failure is put_failures')."""
        with self.db:
            self.db.execute("INSERT INTO answer_failures VALUES (?,?,?,?)",
                            (key, clean_text(mask_text(error)), _json(dict(context or {})),
                             time.time()))

    def failures(self, keys: Iterable[str]) -> dict[str, str]:
        """The latest error of each of `keys` (answers or judgments) that has no result since."""
        keys = list(keys)
        out = {f.key: f.error for f in self._answer_failures(keys)}
        out.update(self._rows(f"SELECT key, error FROM judgments WHERE key IN ({{marks}}) "
                              f"AND status IN {NOT_MADE!r}", keys))
        return out

    def all_failures(self) -> list[FailureRecord]:
        """The latest failure of every answer that has none stored since."""
        return list(self._answer_failures(None))

    def _answer_failures(self, keys: list[str] | None) -> Iterable[FailureRecord]:
        where = "WHERE key IN ({marks}) AND " if keys is not None else "WHERE "
        sql = ("SELECT key, error, context, created FROM answer_failures " + where +
               "key NOT IN (SELECT key FROM answers) ORDER BY created, rowid")
        rows = self.db.execute(sql) if keys is None else self._rows(sql, keys)
        latest: dict[str, FailureRecord] = {}
        for key, error, context, created in rows:
            latest[key] = FailureRecord(key, error, json.loads(context), created)
        return latest.values()

    # -- deterministic checks -----------------------------------------------------------------
    def holds_model_work(self) -> bool:
        """Whether any model was called into this store: a reply, a judgment, or an answer a
        model made (answers read from files carry no provenance)."""
        row = self.db.execute(
            "SELECT EXISTS(SELECT 1 FROM replies) OR EXISTS(SELECT 1 FROM judgments) "
            "OR EXISTS(SELECT 1 FROM answers WHERE json_extract(provenance, '$.source') IS NULL)"
        ).fetchone()
        return bool(row[0])

    def check_keys(self, keys: Iterable[str]) -> set[str]:
        return {r[0] for r in self._rows("SELECT key FROM checks WHERE key IN ({marks})", keys)}

    def put_checks(self, records: Sequence[CheckRecord]) -> None:
        now = time.time()
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO checks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(c.key, c.answer_key, c.question_id, c.sample, c.model, c.answer_set, c.check,
                  c.check_version, c.question_set, c.question_set_sha,
                  _json(c.result.to_dict()), now) for c in records])

    def all_checks(self) -> list[CheckRecord]:
        return [CheckRecord(*row[:-1], result=CheckResult.from_dict(json.loads(row[-1])))
                for row in self.db.execute(
                    "SELECT key, answer_key, question_id, sample, model, answer_set, check_name, "
                    "check_version, question_set, question_set_sha, result FROM checks "
                    "ORDER BY check_name, model, question_id, sample")]

    # -- the history of commands that wrote here ----------------------------------------------
    def start_invocation(self, record: Mapping[str, Any]) -> int:
        with self.db:
            cur = self.db.execute("INSERT INTO invocations (started, record) VALUES (?,?)",
                                  (utc_stamp(), _json(dict(record))))
        return int(cur.lastrowid)

    def finish_invocation(self, ident: int, summary: Mapping[str, Any], exit_status: int) -> None:
        with self.db:
            self.db.execute("UPDATE invocations SET finished=?, summary=?, exit_status=? "
                            "WHERE id=?", (utc_stamp(), _json(dict(summary)), exit_status, ident))

    def invocations(self) -> list[dict[str, Any]]:
        out = []
        for ident, started, finished, record, summary, status in self.db.execute(
                "SELECT id, started, finished, record, summary, exit_status FROM invocations "
                "ORDER BY id"):
            out.append({"id": ident, "started": started, "finished": finished,
                        **json.loads(record), "summary": json.loads(summary) if summary else None,
                        "exit_status": status})
        return out


def check_store(path: Path) -> None:
    """One-line errors for a store a run could not open or migrate, before anything is written."""
    # An old store's migration is tried on a copy in memory (Store.readonly).
    require_regular(path, "the run's store file")  # SQLite would block on a FIFO forever
    try:
        db = connect_readonly(path)
        try:
            found = store_schema.version_of(db)
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a usable mentalbench store ({exc})") from None
    if found > store_schema.SCHEMA_VERSION:
        raise InputError(_newer(path, found))
    if 0 < found < store_schema.SCHEMA_VERSION:
        Store.readonly(path).close()


def _newer(path: Path, found: int) -> str:
    return (f"{path}: store schema {found} is newer than this mentalbench reads "
            f"({store_schema.SCHEMA_VERSION}): upgrade it")

