"""Read answers produced elsewhere: mentalbench answers.jsonl or FastChat model_answer JSONL."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from .errors import InputError
from .hashing import content_key
from .records import Answer, Usage


def read_answers(path: Path, model: str | None = None) -> dict[str, Answer]:
    """Answers by question id; a question answered twice is judged once (first row, warned)."""
    if not path.is_file():
        raise InputError(f"{path}: no such answers file")
    out: dict[str, Answer] = {}
    models: set[str] = set()  # from every row: a joined file's second model looks like dupes
    dupes = 0
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict) or "question_id" not in row:
                raise InputError(f"{where}: field 'question_id': expected an answer object")
            if "choices" in row:  # FastChat model_answer
                try:
                    text = row["choices"][0]["turns"][0]
                except (KeyError, IndexError, TypeError):
                    raise InputError(f"{where}: field 'choices': expected "
                                     "[{'turns': [text, ...]}]") from None
                name = model or row.get("model_id")
            else:
                text = row.get("text")
                name = model or row.get("model")
            if not isinstance(text, str):
                raise InputError(f"{where}: field 'text': expected a string")
            if not name:
                raise InputError(f"{where}: field 'model': expected a model name (or pass --name)")
            qid = str(row["question_id"])
            models.add(str(name))
            if qid in out:
                dupes += 1
                continue
            out[qid] = Answer(content_key("external-answer", name, qid, text), qid, str(name), text,
                              Usage(), {"source": str(path)})
    if not out:
        raise InputError(f"{path}: no answers found")
    if len(models) > 1:
        raise InputError(f"{path}: answers from several models ({', '.join(sorted(models))}); "
                         "split the file or pass --name")
    if dupes:
        warnings.warn(f"{path}: {dupes} duplicated question rows ignored (first kept)",
                      stacklevel=2)
    return out
