"""Ratings in JSON verdicts: flat, nested, lists of {"metric", "score"} objects, fenced or not.

Objects are found by one string-aware pass that pairs braces; each outermost pair is decoded
once, and only when it is not JSON are the objects inside it tried (two levels down at most),
so the work stays linear in the reply's length.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .names import NameTable, Rating

_SPECIAL = re.compile(r'[{}"\\]')
_DECODER = json.JSONDecoder()
_NUMERIC = re.compile(r"\s*(\d{1,4}(?:\.\d{1,4})?)\s*(?:/\s*(\d{1,4})\s*)?")
# Fields of {"metric": "Empathy", "score": 7}-style entries.
_NAME_FIELDS = ("metric", "name", "key", "criterion", "dimension")
_VALUE_FIELDS = frozenset({"score", "rating", "value"})
_ENTRY_FIELDS = frozenset(_NAME_FIELDS) | _VALUE_FIELDS
_DESCEND = 2  # levels of objects tried inside a pair of braces that is not JSON
_DEPTH = 8  # levels of nesting read inside a decoded verdict


@dataclass
class _Braces:
    """A matched pair of braces and the pairs directly inside it."""

    start: int
    end: int = -1
    inner: list[_Braces] = field(default_factory=list)


def brace_pairs(text: str) -> list[_Braces]:
    """The outermost matched brace pairs, in order; quotes inside braces are respected."""
    stack: list[_Braces] = []
    roots: list[_Braces] = []
    in_string = False
    escaped_at = -1
    for m in _SPECIAL.finditer(text):
        pos, char = m.start(), m.group()
        if pos == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = pos + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = bool(stack)
        elif char == "{":
            stack.append(_Braces(pos))
        elif char == "}" and stack:
            pair = stack.pop()
            pair.end = pos
            (stack[-1].inner if stack else roots).append(pair)
    # Pairs inside a brace that never closed are outermost after all.
    for unclosed in stack:
        roots.extend(unclosed.inner)
    return sorted(roots, key=lambda p: p.start)


def json_ratings(text: str, table: NameTable, top: int,
                 skip: Callable[[int], bool]) -> Iterator[Rating]:
    """Ratings in the reply's JSON objects; `skip(offset)` drops objects that start in quotes;
    `top` is the scale's maximum, the only denominator a rating such as "7/10" may have."""
    for pair in brace_pairs(text):
        if not skip(pair.start):
            yield from _decoded(text, pair, table, top, _DESCEND)


def _decoded(text: str, pair: _Braces, table: NameTable, top: int,
             descend: int) -> Iterator[Rating]:
    try:
        obj, end = _DECODER.raw_decode(text, pair.start)
    except (ValueError, RecursionError):
        end = -1
    if end == pair.end + 1:
        source = text[pair.start:end]
        for name, value in _named_values(obj, top, _DEPTH):
            metric = table.metric_for(name)
            if metric is not None:
                yield Rating(metric, value, "json", source, compact=True)
    elif descend:
        for inner in pair.inner:
            yield from _decoded(text, inner, table, top, descend - 1)


def _named_values(value: object, top: int, depth: int,
                  skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, float]]:
    """(name, rating) pairs in a decoded verdict, at any level of nesting up to `depth`;
    `skip`: keys already read as the rating of the object's owner."""
    if depth <= 0:
        return
    if isinstance(value, list):
        for item in value:
            yield from _named_values(item, top, depth - 1)
        return
    if not isinstance(value, dict):
        return
    entry = next((k for k in _NAME_FIELDS if isinstance(value.get(k), str)), None)
    if entry is not None and (rating := _field_rating(value, top)) is not None:
        yield value[entry], rating  # {"metric": "Empathy", "score": 7}
        skip = _ENTRY_FIELDS
    for key, item in value.items():
        if key in skip:
            continue
        number = _number(item, top)
        inner: frozenset[str] = frozenset()
        if number is None and isinstance(item, dict):
            number = _field_rating(item, top)  # {"Empathy": {"score": 7, "why": "..."}}
            inner = _VALUE_FIELDS if number is not None else inner
        if number is not None:
            yield key, number
        yield from _named_values(item, top, depth - 1, inner)


def _field_rating(obj: dict, top: int) -> float | None:
    found = (_number(obj.get(k), top) for k in sorted(_VALUE_FIELDS))
    return next((n for n in found if n is not None), None)


def _number(value: object, top: int) -> float | None:
    """A rating given as a number or a numeric string ('7', '7.5', '7/10'), else None; numbers
    no scale holds (NaN, huge) come back as infinity, so that they count as out of the scale."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else math.inf
    if isinstance(value, int):
        return float(value) if abs(value) < 10 ** 9 else math.inf
    if isinstance(value, str) and (m := _NUMERIC.fullmatch(value)):
        return None if m.group(2) and int(m.group(2)) != top else float(m.group(1))
    return None
