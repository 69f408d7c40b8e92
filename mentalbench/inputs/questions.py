"""Question sets: load and validate native JSONL, FastChat question.jsonl and CounselChat CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..records.base import Question
from ..records.hashing import file_sha256
from .textfiles import (
    check_unicode,
    csv_rows,
    is_first_id,
    json_objects,
    loads_checked,
    raise_first,
    read_lines,
    read_text,
    require_regular,
)

FORMATS = ("native", "fastchat", "csv")


@dataclass(frozen=True)
class QuestionSet:
    """A loaded, validated question set and the hash of its content."""

    name: str
    path: Path
    format: str
    questions: tuple[Question, ...]
    sha256: str


def detect_format(path: Path) -> str:
    """Guess the format from the file's content (CSV header or the first JSON object's keys)."""
    head = next((line.strip() for _, line in read_lines(path) if line.strip()), "")
    if not head:
        raise InputError(f"{path}: empty question file")
    if head.startswith("["):
        return "native"  # JSON, not CSV: the loader says what is wrong with it
    if head.startswith("{"):
        try:
            keys = loads_checked(head).keys()
        except ValueError:
            return "native"  # let the loader report the broken line
        return "fastchat" if "turns" in keys or "question_id" in keys else "native"
    return "csv"


def _native(path: Path, problems: list[str]) -> list[tuple[int, Question]]:
    out = []
    for lineno, row in json_objects(path, problems=problems):
        where = f"{path}:{lineno}"
        qid, text = row.get("id"), row.get("text")
        if isinstance(qid, bool) or not isinstance(qid, str | int) or str(qid).strip() == "":
            problems.append(f"{where}: field 'id': expected a non-empty string")
            continue
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: field 'text': expected a non-empty string")
            continue
        if not _unicode_ok(text, where, "text", problems):
            continue
        tags = row.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            problems.append(f"{where}: field 'tags': expected a list of strings")
            continue
        topic = row.get("topic", "")
        if not isinstance(topic, str):
            problems.append(f"{where}: field 'topic': expected a string")
            continue
        out.append((lineno, Question(str(qid), topic, text.strip(), tuple(tags),
                                     str(row.get("source", "")))))
    return out


def _fastchat(path: Path, problems: list[str]) -> list[tuple[int, Question]]:
    out = []
    for lineno, row in json_objects(path, problems=problems):
        where = f"{path}:{lineno}"
        qid, turns = row.get("question_id"), row.get("turns")
        if qid is None or str(qid).strip() == "":
            problems.append(f"{where}: field 'question_id': expected an id")
            continue
        if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
            problems.append(f"{where}: field 'turns': expected a list of strings")
            continue
        if not turns[0].strip():
            problems.append(f"{where}: field 'turns': expected a non-empty first turn")
            continue
        if not _unicode_ok(turns[0], where, "turns", problems):
            continue
        # Multi-turn (MT-Bench) entries: only the first turn is a single help-seeking message.
        out.append((lineno, Question(str(qid), str(row.get("category", "")), turns[0].strip(),
                                     (), "fastchat")))
    return out


def _unicode_ok(text: str, where: str, field: str, problems: list[str]) -> bool:
    try:
        check_unicode(text, where, field)
    except InputError as exc:
        problems.append(str(exc))
        return False
    return True


def _csv(path: Path, problems: list[str]) -> list[tuple[int, Question]]:
    with io.StringIO(read_text(path), newline="") as f:
        reader = csv.DictReader(f, strict=True)
        cols = reader.fieldnames or []
        text_col = next((c for c in ("questionText", "text") if c in cols), None)
        id_col = next((c for c in ("questionID", "id") if c in cols), None)
        if text_col is None:
            problems.append(f"{path}:1: no text column: expected 'questionText' (CounselChat) "
                            f"or 'text'; found {', '.join(cols) or 'none'}")
            return []
        out: list[tuple[int, Question]] = []
        seen: dict[tuple[str, str], int] = {}
        # Problems name the file line where a row starts; CounselChat texts span lines.
        for rowno, row in csv_rows(reader, path):
            title = (row.get("questionTitle") or "").strip()
            body = (row.get(text_col) or "").strip()
            if not body and not title:
                problems.append(f"{path}:{rowno}: field '{text_col}': expected text")
                continue
            text = body if title in body else f"{title}\n\n{body}".strip()
            if not _unicode_ok(text, f"{path}:{rowno}", text_col, problems):
                continue
            qid = (row.get(id_col) or "").strip() if id_col else ""
            fold = (qid, text)
            # CounselChat has one row per therapist answer: a question repeats, sometimes
            # under several topics. Keep the first row of each question.
            if fold in seen:
                continue
            seen[fold] = rowno
            out.append((rowno, Question(qid or f"row-{rowno}", (row.get("topic") or "").strip(),
                                        text, (), "csv")))
        return _dedupe_ids(out)


def _dedupe_ids(rows: list[tuple[int, Question]]) -> list[tuple[int, Question]]:
    """Give distinct questions that share an id (CounselChat does this) distinct ids."""
    counts: dict[str, int] = {}
    out = []
    for rowno, q in rows:
        n = counts.get(q.id, 0) + 1
        counts[q.id] = n
        if n > 1:
            q = Question(f"{q.id}-{n}", q.topic, q.text, q.tags, q.source)
        out.append((rowno, q))
    return out


_LOADERS = {"native": _native, "fastchat": _fastchat, "csv": _csv}


def check_questions(path: Path, format: str | None = None) -> tuple[list[Question], list[str], str]:
    """Parse a question file; return its questions, every problem found, and the format used."""
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a question file")
    require_regular(path, "a question file")
    if not path.is_file():
        raise InputError(f"{path}: no such question file")
    fmt = format or detect_format(path)
    if fmt not in _LOADERS:
        raise InputError(f"question format {fmt!r}: expected one of {', '.join(FORMATS)}")
    problems: list[str] = []
    rows = _LOADERS[fmt](path, problems)
    field = "question_id" if fmt == "fastchat" else "id"
    first: dict[str, int] = {}
    questions = [q for lineno, q in rows if is_first_id(first, q.id, lineno, path, field, problems)]
    if not questions and not problems:
        problems.append(f"{path}: no questions found")
    return questions, problems, fmt


def load_questions(path: str | Path, format: str | None = None, name: str | None = None) -> QuestionSet:
    """Load a question file, raising InputError on the first problem."""
    path = Path(path)
    questions, problems, fmt = check_questions(path, format)
    raise_first(problems)
    digest = file_sha256(path)
    return QuestionSet(name or path.stem, path, fmt, tuple(questions), digest)
