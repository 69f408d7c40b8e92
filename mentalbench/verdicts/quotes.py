"""What in a judge's reply is quoted: '>' lines, echoed BEGIN/END blocks, text from the prompt."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .judge_text import compared

# Leading list bullets, numbering, headings and emphasis, which quoting may add or drop.
LEADING = re.compile(r"\s*(?:(?:[-*+•·]|\d{1,3}[.)]|#{1,6})\s+)?[*_]*")
_DROPPED = re.compile(r"[*_`]")
_SPACE = re.compile(r"\s+")
# The first fragments are searched for directly; later ones by windows of the material, so
# that a reply of thousands of rating lines costs time in step with its length, not a product.
DIRECT_SEARCHES = 32
# Fragments longer than this are matched by overlapping windows of this length.
WINDOW = 24


def normal(text: str, compact: bool = False) -> str:
    """Text as compared with quoted material: read as a judge reads it (NFKC, no invisibles, no
    spaces between marks), case-folded, no emphasis, spaces collapsed."""
    text = compared(text)
    text = _DROPPED.sub("", text[LEADING.match(text).end():]).casefold()
    return _SPACE.sub("" if compact else " ", text).strip()


def quoted_lines(lines: Sequence[str], markers: Sequence[tuple[str, str]]) -> list[bool]:
    """Per line, whether it is quoting: a '>' line, or inside an echoed BEGIN/END marker pair."""
    flags = [line.lstrip().startswith(">") for line in lines]
    if not markers:
        return flags
    opens = {normal(a): normal(b) for a, b in markers}
    pending: dict[str, int] = {}  # closing marker -> line of its (first) opening marker
    for i, line in enumerate(lines):
        key = normal(line)
        if key in pending:
            start = pending.pop(key)
            flags[start:i + 1] = [True] * (i + 1 - start)
        elif key in opens:
            pending.setdefault(opens[key], i)
    return flags


class QuotedMaterial:
    """The question and answer as shown to the judge, asked whether a fragment occurs in them."""

    def __init__(self, texts: Sequence[str]):
        self._texts = tuple(t for t in texts if t)
        self._normal: dict[bool, str] = {}
        self._windows: dict[tuple[bool, int], set[str]] = {}
        self._seen: dict[tuple[str, bool], bool] = {}
        self._direct = DIRECT_SEARCHES

    def holds(self, fragment: str, compact: bool = False) -> bool:
        """Whether `fragment` (normalised) occurs in the material."""
        if not self._texts:
            return False
        key = (fragment, compact)
        if key not in self._seen:
            self._seen[key] = self._holds(normal(fragment, compact), compact)
        return self._seen[key]

    def _holds(self, fragment: str, compact: bool) -> bool:
        if not fragment:
            return False
        if self._direct > 0:
            self._direct -= 1
            return fragment in self._text(compact)
        # Up to WINDOW characters: exact. Longer: every WINDOW-long window occurs (a fragment
        # stitched from overlapping pieces of the material is taken as quoted too).
        n = min(len(fragment), WINDOW)
        windows = self._window_set(compact, n)
        return all(fragment[i:i + n] in windows for i in range(len(fragment) - n + 1))

    def _window_set(self, compact: bool, n: int) -> set[str]:
        if (compact, n) not in self._windows:
            text = self._text(compact)
            self._windows[compact, n] = {text[i:i + n] for i in range(len(text) - n + 1)}
        return self._windows[compact, n]

    def _text(self, compact: bool) -> str:
        if compact not in self._normal:
            # NUL between texts, so that no match spans two of them.
            self._normal[compact] = "\0".join(normal(t, compact) for t in self._texts)
        return self._normal[compact]
