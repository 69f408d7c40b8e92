"""Reading model output: numbered batches of messages, and Patient/Counselor rounds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# An item starts on a line like "1.", "2)", "**3.**", "### 4:", "Message 5 -", "#6", or on a
# line that is only a heading: "**Message 7**", "### Message 8", "Message 9".
_ITEM = re.compile(
    r"^[ \t]*(?:[#*_>]+[ \t]*)?(?:(?:message|item|post|no\.?|number)[ \t]*)?#?(\d{1,3})"
    r"[ \t]*(?:[.):\]]|[-\u2013\u2014](?=[ \t]))[ \t]*(?:[*_]+[ \t]*)?"
    r"|^[ \t]*(?:[#*_>]+[ \t]*)?(?:message|item|post)[ \t]*#?(\d{1,3})[ \t]*[*_]*[ \t]*:?"
    r"[ \t]*[*_]*[ \t]*(?=\n|$)",
    re.IGNORECASE | re.MULTILINE)
# A leading line that only restates the topic or gives the item a title.
_TOPIC_LINE = re.compile(r"^[ \t]*[*_#]*[ \t]*(?:topic|subject|title)[ \t]*:[^\n]*\n",
                         re.IGNORECASE)
_BOLD_TITLE = re.compile(r"^[ \t]*(?:\*\*|__|<<)[^\n*_<>]{1,120}(?:\*\*|__|>>)[ \t]*:?[ \t]*\n")
# A first line that introduces the reply instead of being part of it: "Sure! Here is the
# message:", "Here's my message:", "Message:".
_PREAMBLE = re.compile(
    r"^[ \t]*(?:(?:sure|certainly|of course|okay|ok)\b[^\n]{0,40}?[.!,]?[ \t]*)?"
    r"(?:(?:here(?:'s|\u2019s| is| are)\b[^\n]{0,80}|(?:the |my )?(?:message|post|letter)"
    r"(?: to (?:a|the) counsell?or)?)[ \t]*:)[ \t]*\n",
    re.IGNORECASE)
_QUOTES = "\"'\u201c\u201d\u2018\u2019"


@dataclass(frozen=True)
class Batch:
    """The items found in one batch reply, by number (1-based), and what was missing."""

    items: dict[int, str]
    missing: tuple[int, ...]
    how: str  # "numbered", "headings", "single" or "none"


def clean_item(text: str, topic: str | None = None) -> str:
    """An item without a topic or title line in front and without wrapping quotes."""
    text = text.strip()
    for _ in range(2):
        first = text.split("\n", 1)[0].strip().strip("*_#:").strip()
        if topic and first.lower() in (topic.lower(), f"topic: {topic.lower()}"):
            text = text.split("\n", 1)[1].strip() if "\n" in text else ""
            continue
        new = _PREAMBLE.sub("", text + "\n", count=1)
        new = _BOLD_TITLE.sub("", _TOPIC_LINE.sub("", new, count=1), count=1).strip()
        if new == text:
            break
        text = new
    if len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def _numbered(text: str, n: int) -> dict[int, str]:
    """Items by number: the increasing run of markers that explains the most items.

    A message may hold a numbered list of its own; markers after a blank line (or at the
    start) are preferred, so "1. I tried yoga" inside message 1 does not split it.
    """
    marks = []  # (number, marker start, text start, weight)
    for m in _ITEM.finditer(text):
        number = int(m.group(1) or m.group(2))
        if 1 <= number <= n:
            before = text[:m.start()].rstrip(" \t")
            strong = not before.strip() or before.endswith("\n\n") or before.endswith(":")
            marks.append((number, m.start(), m.end(), 10 + strong))
    best: list[tuple[int, int]] = []  # (score of the best run ending here, previous index)
    for i, (number, _, _, weight) in enumerate(marks):
        options = [(best[j][0], j) for j in range(i) if marks[j][0] < number]
        score, prev = max(options, default=(0, -1))
        best.append((score + weight, prev))
    chain = []
    i = max(range(len(best)), key=lambda k: best[k][0], default=-1)
    while i >= 0:
        chain.append(marks[i])
        i = best[i][1]
    chain.reverse()
    items = {}
    for k, (number, _, begin, _) in enumerate(chain):
        end = chain[k + 1][1] if k + 1 < len(chain) else len(text)
        items[number] = text[begin:end]
    return items


def _by_headings(text: str, topics: Sequence[str]) -> dict[int, str]:
    """Items introduced by a heading that names their topic, matched in the order asked."""
    items: dict[int, str] = {}
    pos = 0
    marks: list[tuple[int, int, int]] = []
    for number, topic in enumerate(topics, 1):
        pattern = re.compile(
            r"^[ \t]*[#*_]*[ \t]*(?:topic[ \t]*:[ \t]*)?" + re.escape(topic)
            + r"[ \t]*[*_:]*[ \t]*$",
            re.IGNORECASE | re.MULTILINE)
        m = pattern.search(text, pos)
        if m:
            marks.append((number, m.start(), m.end()))
            pos = m.end()
    for i, (number, _, begin) in enumerate(marks):
        end = marks[i + 1][1] if i + 1 < len(marks) else len(text)
        items[number] = text[begin:end]
    return items


def parse_batch(text: str, topics: Sequence[str]) -> Batch:
    """Split a batch reply into its messages, one per requested topic where it can be told."""
    n = len(topics)
    items, how = _numbered(text, n), "numbered"
    if len(items) < 2 and n > 1:
        by_heading = _by_headings(text, topics)
        if len(by_heading) > len(items):
            items, how = by_heading, "headings"
    if not items and n == 1 and text.strip():
        items, how = {1: text}, "single"  # one message asked for, one given, unnumbered
    cleaned = {k: clean_item(v, topics[k - 1]) for k, v in sorted(items.items())}
    cleaned = {k: v for k, v in cleaned.items() if v}
    missing = tuple(k for k in range(1, n + 1) if k not in cleaned)
    return Batch(cleaned, missing, how if cleaned else "none")


def parse_single(text: str, topic: str) -> Batch:
    """A reply to a one-message request: the whole reply is the message, less an introducing
    line, a title or a "1." in front; numbers further in are the message's own."""
    item = clean_item(text, topic)
    first = _ITEM.match(item)
    if first and (first.group(1) or first.group(2)) == "1":
        item = clean_item(item[first.end():], topic)
    return Batch({1: item} if item else {}, () if item else (1,), "single" if item else "none")


_PATIENT = r"patient|client|caregiver|care-giver|carer"
_COUNSELOR = r"counsell?or|therapist|psychologist"
# A turn label at the start of a line: "Patient:", "**Caregiver:**", "**Therapist**:",
# "Family caregiver:", "Counselor's reply:", "### Client", or a label alone on its line.
_TURN = re.compile(
    rf"^[ \t]*[*_#>]*[ \t]*(?:(?:the|family|a)[ \t]+)?(?P<who>{_PATIENT}|{_COUNSELOR})(?:'s)?"
    r"(?:[ \t]+(?:turn|message|reply|response))?[ \t]*[*_]*[ \t]*(?::|(?=\n))[ \t]*[*_]*[ \t]*",
    re.IGNORECASE | re.MULTILINE)


def _side(match: re.Match) -> str:
    return "patient" if re.fullmatch(_PATIENT, match.group("who"), re.IGNORECASE) else "counselor"


def parse_round(text: str) -> tuple[str, str] | None:
    """The (patient, counselor) turns of a reply, or None when either label is missing."""
    marks = list(_TURN.finditer(text))
    turns: dict[str, str] = {}
    for i, m in enumerate(marks):
        side = _side(m)
        if side in turns:
            break  # only the first round counts
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        turns[side] = clean_item(text[m.end():end])
    if "patient" not in turns or "counselor" not in turns:
        return None
    return turns["patient"], turns["counselor"]


def parse_turn(text: str, side: str) -> str | None:
    """A reply to a one-turn request: its text, without a leading label of that side.

    None when it opens with the other side's label (the wrong voice). A reply that goes on
    into the other side's turn is cut there: only the turn asked for counts.
    """
    marks = list(_TURN.finditer(text))
    begin = 0
    if marks and not text[:marks[0].start()].strip():
        if _side(marks[0]) != side:
            return None
        begin = marks[0].end()
        marks = marks[1:]
    end = next((m.start() for m in marks if _side(m) != side), len(text))
    return clean_item(text[begin:end])
