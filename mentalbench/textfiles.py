"""Reading user text files, with one-line errors for non-UTF-8 bytes, JSON arrays and bad CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import InputError


def decode_line(raw: bytes, where: str) -> str:
    """A line as text; bytes that are not UTF-8 name their line and column."""
    try:
        return raw.decode("utf-8-sig" if where.endswith(":1") else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is "
                         "not UTF-8: expected a UTF-8 text file") from None


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) for each line of a UTF-8 file."""
    try:
        with Path(path).open("rb") as f:
            for lineno, raw in enumerate(f, 1):
                yield lineno, decode_line(raw, f"{path}:{lineno}")
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a file") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None


def read_text(path: Path) -> str:
    """A whole UTF-8 file as text (for formats that span lines, like CSV)."""
    return "".join(line for _, line in read_lines(path))


def refuse_json_array(line: str, where: str) -> None:
    """A one-line error for a JSON array where JSON Lines (one object a line) are expected."""
    if line.lstrip().startswith("["):
        raise InputError(f"{where}: a JSON array: expected JSON Lines (one object a line)")


def json_objects(path: Path, what: str = "a JSON object",
                 problems: list[str] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSON Lines file.

    A line that is not a JSON object is a one-line error naming file and line: raised, or, when
    `problems` is given, appended to it and skipped (to report every problem of a file at once).
    A file that is one JSON array is refused at its first line.
    """
    first = True
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        if first:
            refuse_json_array(line, where)
            first = False
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"expected {what}")
        except ValueError as exc:
            message = (f"{where}: not valid JSON ({exc.msg})" if isinstance(exc, json.JSONDecodeError)
                       else f"{where}: {exc}")
            if problems is None:
                raise InputError(message) from None
            problems.append(message)
            continue
        yield lineno, row


def csv_rows(reader: Any, path: Path) -> Iterator[tuple[int, Any]]:
    """(line a row starts on, row) of a strict csv reader; a quoting fault is a one-line error."""
    # strict=True: else a quote never closed swallows the rest of the file into one cell.
    start = reader.line_num + 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        fault = "a quoted cell is never closed" if "unexpected end of data" in str(exc) else exc
        raise InputError(f"{path}:{start}: not valid CSV ({fault})") from None


def check_unicode(text: str, where: str, field: str) -> str:
    """`text` unchanged, or a one-line error when it holds an unpaired surrogate (\\ud800)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{where}: field {field!r}: holds an unpaired surrogate "
                         f"(\\u{ord(text[exc.start]):04x}): expected valid Unicode text") from None
    return text
