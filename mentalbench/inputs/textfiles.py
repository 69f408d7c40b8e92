"""Reading user text files, with one-line errors for non-UTF-8 bytes, JSON arrays and bad CSV."""

from __future__ import annotations

import csv
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError


def decode_line(raw: bytes, where: str) -> str:
    """A line as text; bytes that are not UTF-8 name their line and column."""
    try:
        return raw.decode("utf-8-sig" if where.endswith(":1") else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is "
                         "not UTF-8: expected a UTF-8 text file") from None


#: JSON deeper than this is refused: a reader recursing further would crash, not report.
MAX_JSON_DEPTH = 64


def require_regular(path: Path | str, what: str = "a file") -> None:
    """A one-line error unless `path` is a regular file (a FIFO or device would block or never
    end); missing files and folders are left to the reader's own errors."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise InputError(f"{path}: is {kind}, expected {what} (a regular file)")


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) for each line of a UTF-8 file."""
    require_regular(path)
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
            row = loads_checked(line, what)
        except ValueError as exc:
            message = (f"{where}: not valid JSON ({exc.msg})" if isinstance(exc, json.JSONDecodeError)
                       else f"{where}: {exc}")
            if problems is None:
                raise InputError(message) from None
            problems.append(message)
            continue
        yield lineno, row


def loads_checked(text: str, what: str = "a JSON object") -> dict[str, Any]:
    """One JSON object, nested at most MAX_JSON_DEPTH deep, every string valid Unicode;
    ValueError (or JSONDecodeError) naming the fault otherwise."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels: expected {what}")
    row = json.loads(text)
    if not isinstance(row, dict):
        raise ValueError(f"expected {what}")
    bad = unencodable_field(row)
    if bad:
        field, char = bad
        raise ValueError(f"field {field!r}: holds an unpaired surrogate (\\u{ord(char):04x}): "
                         "expected valid Unicode text")
    return row


def json_depth(text: str) -> int:
    """How deep brackets nest in JSON text, strings skipped; linear, never recursive."""
    depth = deepest = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', text):
        c = token.group()
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def unencodable_field(value: Any, field: str = "") -> tuple[str, str] | None:
    """(field path, character) of the first string (key or value) that UTF-8 cannot encode."""
    stack = [(field, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                return where or "value", item[exc.start]
        elif isinstance(item, dict):
            for k, v in reversed(item.items()):
                stack.append((f"{where}.{k}" if where else str(k), v))
                stack.append((where or "key", k))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(item))))
    return None


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


def is_first_id(first: dict[str, int], item_id: str, lineno: int, path: Path, field: str,
                problems: list[str]) -> bool:
    """True the first time `item_id` is seen (its line kept in `first`); a repeat is a problem."""
    if item_id in first:
        problems.append(f"{path}:{lineno}: field '{field}': duplicate id {item_id!r} "
                        f"(first on line {first[item_id]})")
        return False
    first[item_id] = lineno
    return True


def raise_first(problems: list[str]) -> None:
    """An InputError with the first problem and how many more there are; none: nothing."""
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InputError(problems[0] + more)
