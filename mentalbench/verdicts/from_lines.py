"""Ratings in lines: the rubric's slot ('Name: [[7]]') anywhere, loose forms at a line start.

Every pattern here is matched at one position (the end of a metric's name) and is built so that
no two unbounded repeats can share characters: each runs in time linear in what it reads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from ..inputs.rubric import Rubric
from .names import WORD, NameTable, Rating
from .quotes import LEADING
from .slots import SlotFormat

# Between a name and its rating: emphasis and quotes, a short "(...)", "rating"/"score", one
# separator. Each repeat is followed by a character it cannot match, so nothing backtracks.
_M = r"[\s*_`'\"]"
GAP = (rf"{_M}*(?:\([^()\n]{{0,40}}\){_M}*)?(?:(?:rating|score)(?![^\W_]){_M}*)?"
       rf"(?:[:=\-–—]{_M}*)?")
NUMBER = r"(\d{1,4}(?:\.\d{1,4})?)(?!\.?\d)"
# A loose rating may say '/10' or 'out of 10' (checked against the scale's top), and must end
# its statement: end of line, punctuation, emphasis, '(', a dash, or '|'.
LOOSE = re.compile(
    GAP + NUMBER + r"(?:[ \t]*/[ \t]*(\d{1,4})|[ \t]+out[ \t]+of[ \t]+(\d{1,4}))?(?!\.?\d)"
    r"(?=[ \t]*(?:$|[.,;:!?)\]}\"'*_|(–—]|-(?:\s|$)))", re.IGNORECASE)


def _flex(text: str) -> list[str]:
    """The words of a literal, escaped, to be joined by optional spaces."""
    return [re.escape(w) for w in text.split()]


@functools.lru_cache(maxsize=16)
def slot_pattern(fmt: SlotFormat) -> re.Pattern[str]:
    """The rubric's slot after a name: its own separator text or, for a bracket-like opening,
    any loose separator ('Name - [[7]]'); spaces inside the brackets are allowed."""
    starts = [r"\s*".join([r"[*_]*", *_flex(fmt.between)])]
    if fmt.opening and not any(c.isalnum() for c in fmt.opening):
        starts.append(GAP + re.escape(fmt.opening))
    close = r"\s*".join(_flex(fmt.after))
    if fmt.closing[-1:].isalnum():
        close += r"(?![^\W_])"
    return re.compile(rf"(?:{'|'.join(starts)})\s*{NUMBER}\s*{close}", re.IGNORECASE)


def line_ratings(line: str, rubric: Rubric, table: NameTable) -> Iterator[Rating]:
    """Ratings stated in one line (no newline in it), in order."""
    words = [m for m in WORD.finditer(line) if m.group().casefold() != "and"]
    if not words:
        return
    folded = [m.group().casefold() for m in words]
    starts_at = LEADING.match(line).end()
    slot = slot_pattern(rubric.output)
    for i in range(len(words)):
        for phrase, last in table.matches(folded, i):
            at_start = words[i].start() == starts_at
            if phrase.line_start and not at_start:
                continue
            end = words[last].end()
            found = slot.match(line, end)
            if found:
                yield Rating(phrase.metric, float(found.group(1)), "slot", line)
            elif at_start and (found := LOOSE.match(line, end)):
                of = found.group(2) or found.group(3)
                if of is None or int(of) == rubric.scale.max:
                    yield Rating(phrase.metric, float(found.group(1)), "loose", line)
