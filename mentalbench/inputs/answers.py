"""Read answers produced elsewhere: mentalbench answers.jsonl or FastChat model_answer JSONL."""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records.base import Answer, Usage
from ..records.hashing import content_key, text_sha256
from .textfiles import check_unicode, json_objects, require_regular

#: The character cap is this many characters per word of the word cap.
CHARS_PER_WORD = 20
#: Answers longer than this are refused unless --max-answer-words says otherwise.
MAX_ANSWER_WORDS = 20_000


@dataclass(frozen=True)
class AnswerFile:
    """One model's answers from one file; repeated generations of a question are samples."""

    path: Path
    model: str
    answer_set: str
    answers: tuple[Answer, ...]
    duplicates: int  # rows that repeated an earlier answer's text word for word (dropped)

    @property
    def question_ids(self) -> set[str]:
        return {a.question_id for a in self.answers}


def expand_answer_paths(patterns: Sequence[str]) -> list[Path]:
    """Files named or matched by glob patterns, each once, in the order given."""
    out: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise InputError(f"--answers {pattern!r}: matches no file")
        for m in matches:
            path = Path(m)
            if path.is_dir():
                raise InputError(f"{path}: is a folder, expected an answers file")
            require_regular(path, "an answers file")
            if not path.is_file():
                raise InputError(f"{path}: no such answers file")
            # One file however it is named (path, link, './'): judged once, not twice.
            if not any(os.path.samefile(path, seen) for seen in out):
                out.append(path)
    return out


def _texts(row: dict[str, Any], where: str) -> list[str]:
    """The answer texts of one row: FastChat's choices (each a sample) or `text`."""
    if "choices" not in row:
        text = row.get("text")
        if not isinstance(text, str):
            raise InputError(f"{where}: field 'text': expected a string")
        return [check_unicode(text, where, "text")]
    choices = row["choices"]
    if not isinstance(choices, list) or not choices:
        raise InputError(f"{where}: field 'choices': expected a list of {{'turns': [text]}}")
    texts = []
    for i, choice in enumerate(choices):
        turns = choice.get("turns") if isinstance(choice, dict) else None
        if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
            raise InputError(f"{where}: field 'choices[{i}].turns': expected a list of strings")
        texts.append(check_unicode(turns[0], where, f"choices[{i}].turns[0]"))
    return texts


def _rows(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    for lineno, row in json_objects(path, "an answer object"):
        where = f"{path}:{lineno}"
        if "question_id" not in row:
            raise InputError(f"{where}: field 'question_id': expected an answer object")
        qid = row["question_id"]
        if isinstance(qid, bool) or not isinstance(qid, str | int) or not str(qid).strip():
            raise InputError(f"{where}: field 'question_id': expected a string or a whole "
                             f"number, got {json.dumps(qid)}")
        yield where, row


def read_answers(path: Path, model: str | None = None,
                 max_words: int = MAX_ANSWER_WORDS) -> list[AnswerFile]:
    """A file's answers, one AnswerFile a model (a file holds one model, maybe several answer
    sets of it when it is a run's answers.jsonl); k different texts to one question are k samples."""
    groups: dict[tuple[str, str], dict[str, list[str]]] = {}
    duplicates: dict[tuple[str, str], int] = {}
    for where, row in _rows(path):
        name = str(model or row.get("model_id") or row.get("model") or path.stem)
        check_unicode(name, where, "model")
        # A run's own answers.jsonl names the configuration behind each answer: keep it, so
        # that the same answers judged again are the same answer set on a merged leaderboard.
        given_set = "" if model else str(row.get("answer_set") or "")
        qid = str(row["question_id"])
        check_unicode(qid, where, "question_id")
        seen_by_q = groups.setdefault((name, given_set), {})
        for text in _texts(row, where):
            if len(text) > max_words * CHARS_PER_WORD:  # one 'word' of millions of characters
                raise InputError(f"{where}: the answer to {qid!r} has {len(text):,} characters, "
                                 f"above the cap of {max_words * CHARS_PER_WORD:,} "
                                 f"({CHARS_PER_WORD} per word of the word cap; raise it with "
                                 "--max-answer-words)")
            words = len(text.split())
            if words > max_words:
                raise InputError(f"{where}: the answer to {qid!r} has {words:,} words, above the "
                                 f"cap of {max_words:,} (raise it with --max-answer-words)")
            seen = seen_by_q.setdefault(qid, [])
            if text in seen:
                duplicates[(name, given_set)] = duplicates.get((name, given_set), 0) + 1
            else:
                seen.append(text)
    if not groups:
        raise InputError(f"{path}: no answers found")
    names = sorted({name for name, _ in groups})
    if len(names) > 1:
        raise InputError(f"{path}: answers from several models ({', '.join(names)}); "
                         "expected one model a file (split it, or pass --name)")
    return [_answer_file(path, name, given_set, by_question, duplicates.get((name, given_set), 0))
            for (name, given_set), by_question in groups.items()]


def _answer_file(path: Path, name: str, given_set: str, by_question: dict[str, list[str]],
                 duplicates: int) -> AnswerFile:
    digest = sorted((qid, i, text_sha256(t)) for qid, ts in by_question.items()
                    for i, t in enumerate(ts))
    answer_set = given_set or content_key("answer-file", name, digest)[:8]
    answers = tuple(
        Answer(content_key("external-answer", name, qid, text), qid, name, text, Usage(),
               {"source": str(path)}, sample, answer_set)
        for qid, texts in by_question.items() for sample, text in enumerate(texts))
    return AnswerFile(path, name, answer_set, answers, duplicates)
