"""Training data: load and validate JSONL, JSON or CSV files into chat examples, with file:line errors.

Three row shapes are accepted, told apart by their fields (case-insensitive; others ignored):
- `instruction`, `output`, optional `input` (Alpaca style, as MentalChat16K publishes it);
- `patient`, `counselor` (one round of a counseling conversation, as in the paper's interviews);
- `messages`: a list of {"role": system|user|assistant, "content": text} ending with the assistant.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mentalbench.api import InputError

ROLES = ("system", "user", "assistant")
SHAPES = "instruction+output, patient+counselor, or messages"


@dataclass(frozen=True)
class Example:
    """One training conversation; the loss is taken on its assistant turns only."""

    messages: tuple[dict[str, str], ...]
    source: str  # "file:line", for error messages and the eval split listing
    shape: str  # "instruction", "pair" or "messages"


class RowError(ValueError):
    """A problem with one row; the loader adds the file and line."""


def _text(row: dict[str, Any], key: str, required: bool = True) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowError(f"field {key!r} is empty: expected text")
        return ""
    if not isinstance(value, str):
        raise RowError(f"field {key!r} is {type(value).__name__}: expected text")
    return value.strip()


def _messages(value: Any) -> tuple[dict[str, str], ...]:
    if not isinstance(value, list) or not value:
        raise RowError("field 'messages': expected a non-empty list of {role, content} objects")
    out = []
    for i, m in enumerate(value):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise RowError(f"{where}: expected an object with role and content")
        role = m.get("role")
        if role not in ROLES:
            raise RowError(f"{where}.role {role!r}: expected system, user or assistant")
        if role == "system" and i != 0:
            raise RowError(f"{where}: a system message may only come first")
        content = m.get("content")
        if not isinstance(content, str) or not content.strip():
            raise RowError(f"{where}.content: expected non-empty text")
        out.append({"role": role, "content": content.strip()})
    if out[-1]["role"] != "assistant":
        raise RowError(f"messages[{len(out) - 1}]: the last message must be the assistant's")
    if not any(m["role"] == "user" for m in out):
        raise RowError("messages: expected at least one user message")
    return tuple(out)


def row_to_example(row: Any, source: str) -> Example:
    """Turn one parsed row into an Example, or raise RowError saying what is wrong."""
    if not isinstance(row, dict):
        raise RowError(f"expected an object with {SHAPES} fields, got {type(row).__name__}")
    fields = {str(k).strip().lower(): v for k, v in row.items()}
    if "messages" in fields:
        return Example(_messages(fields["messages"]), source, "messages")
    if "instruction" in fields or "output" in fields:
        instruction, answer = _text(fields, "instruction"), _text(fields, "output")
        extra = _text(fields, "input", required=False)
        if extra:  # MentalChat16K: the instruction is the counselor's brief, the input the patient
            msgs = ({"role": "system", "content": instruction}, {"role": "user", "content": extra})
        else:
            msgs = ({"role": "user", "content": instruction},)
        return Example((*msgs, {"role": "assistant", "content": answer}), source, "instruction")
    if "patient" in fields or "counselor" in fields or "counsellor" in fields:
        key = "counselor" if "counselor" in fields or "counsellor" not in fields else "counsellor"
        return Example(({"role": "user", "content": _text(fields, "patient")},
                        {"role": "assistant", "content": _text(fields, key)}), source, "pair")
    found = ", ".join(sorted(fields)) or "none"
    raise RowError(f"expected fields {SHAPES}; found {found}")


def _jsonl_rows(text: str) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RowError(f"not valid JSON ({exc.msg}, column {exc.colno})")


def _json_array_rows(text: str) -> Iterator[tuple[int, Any]]:
    """Items of a top-level JSON array, each with the line it starts on."""
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return
        line = text.count("\n", 0, pos) + 1
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield line, RowError(f"not valid JSON ({exc.msg})")
            return
        yield line, item


def _csv_rows(text: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(text.splitlines(keepends=True))
    if not reader.fieldnames:
        return
    start = reader.line_num + 1
    for row in reader:
        if None in row:
            yield start, RowError(f"{len(row[None]) + len(reader.fieldnames or [])} cells, "
                                  f"but the header has {len(reader.fieldnames or [])}")
        elif any((v or "").strip() for v in row.values()):
            yield start, row
        start = reader.line_num + 1


def _rows(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(text)
    if suffix == ".json" and text.lstrip().startswith("["):
        return _json_array_rows(text)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return _jsonl_rows(text)
    raise InputError(f"{path}: unknown data format {suffix or '(no suffix)'!r}: "
                     "expected .jsonl, .json or .csv")


def check_examples(path: str | Path) -> tuple[list[Example], list[str]]:
    """Every example of a data file, and every problem found as 'file:line: what'."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such data file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    examples, problems = [], []
    for line, row in _rows(path, text):
        source = f"{path}:{line}"
        try:
            if isinstance(row, RowError):
                raise row
            examples.append(row_to_example(row, source))
        except RowError as exc:
            problems.append(f"{source}: {exc}")
    if not examples and not problems:
        problems.append(f"{path}: no examples")
    return examples, problems


def load_examples(path: str | Path) -> list[Example]:
    """The examples of one data file; InputError naming file:line at the first bad row."""
    examples, problems = check_examples(path)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InputError(problems[0] + more)
    return examples
