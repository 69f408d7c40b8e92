"""Checks that drop unusable items: refusals, too-short texts and texts of the wrong form."""

from __future__ import annotations

import re

#: Why an item was dropped; reports count by these names.
REFUSAL, TOO_SHORT, OFF_FORMAT = "refusal", "too-short", "off-format"

_WORD = re.compile(r"\b[\w'’-]+\b")
# Refusals show at the start of a reply; "as an AI" anywhere gives the writer away. A bare
# "I can't ..." is not one: patients write "I can't sleep", counselors "I can't diagnose".
_CANT = (r"(?:i|we)(?: really| simply)? (?:can(?:no|'|\u2019)t|cannot|am unable to|won'?t|"
         r"will not|am not able to)")
_REFUSAL_START = re.compile(
    r"^\W*(?:(?:i'?m|i am) (?:so |very |really )?sorry|sorry|unfortunately|apologies)\W+(?:but )?"
    + _CANT + r"\b|^\W*" + _CANT + r" (?:help with|assist with|fulfil+|comply with|write|"
    r"create|generate|produce|complete|provide) (?:this|that|these|such|your|the request|the task)",
    re.IGNORECASE)
_AI_SELF = re.compile(r"\bas an? (?:ai|artificial intelligence|language model|assistant)\b|"
                      r"\bi(?:'m| am) (?:just )?an? (?:ai|language model)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself)\b", re.IGNORECASE)
# A patient message that already contains someone's reply is not one message.
_REPLY_LABEL = re.compile(
    r"^[ \t]*[*_]*(?:counsell?or|therapist|response|reply|answer)[*_]*[ \t]*:",
    re.IGNORECASE | re.MULTILINE)
_PLACEHOLDER = re.compile(r"<[^<>\n]{0,40}(?:message|topic|text)[^<>\n]{0,40}>|\[insert\b",
                          re.IGNORECASE)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def copies(text: str, source: str, n: int = 8) -> bool:
    """Whether `text` repeats a run of `n` words of `source` (e.g. a prompt's worked example)."""
    words = [w.lower() for w in _WORD.findall(source)]
    runs = {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
    found = [w.lower() for w in _WORD.findall(text)]
    return any(tuple(found[i:i + n]) in runs for i in range(len(found) - n + 1))


def is_refusal(text: str) -> bool:
    """Whether the text declines the task instead of doing it."""
    return bool(_REFUSAL_START.search(text[:300]) or _AI_SELF.search(text))


def check_message(text: str, min_words: int) -> str | None:
    """Why a synthetic patient message is unusable, or None if it is fine."""
    if is_refusal(text):
        return REFUSAL
    if word_count(text) < min_words:
        return TOO_SHORT
    if (not _FIRST_PERSON.search(text) or _REPLY_LABEL.search(text)
            or _PLACEHOLDER.search(text)):
        return OFF_FORMAT
    return None


def check_answer(text: str, message: str, min_words: int) -> str | None:
    """Why a counselor answer is unusable, or None if it is fine."""
    if is_refusal(text):
        return REFUSAL
    if word_count(text) < min_words:
        return TOO_SHORT
    head = " ".join(message.split()[:40])
    if _PLACEHOLDER.search(text) or (len(head) > 80 and head in " ".join(text.split())):
        return OFF_FORMAT  # a template left unfilled, or the message echoed back
    return None


def check_turn(text: str, side: str, min_words: int, example: str = "") -> str | None:
    """Why one paraphrased turn is unusable, or None: the caregiver's must be in the first
    person, and neither may copy the worked example its prompt showed."""
    if is_refusal(text):
        return REFUSAL
    if word_count(text) < min_words:
        return TOO_SHORT
    if (_PLACEHOLDER.search(text) or (side == "patient" and not _FIRST_PERSON.search(text))
            or (example and copies(text, example))):
        return OFF_FORMAT
    return None


def check_round(patient: str, counselor: str, min_words: int) -> str | None:
    """Why a paraphrased Patient/Counselor round is unusable, or None if it is fine."""
    if is_refusal(patient) or is_refusal(counselor):
        return REFUSAL
    if word_count(patient) < min_words or word_count(counselor) < min_words:
        return TOO_SHORT
    if (check_turn(patient, "patient", 0) or check_turn(counselor, "counselor", 0)
            or patient == counselor):
        return OFF_FORMAT
    return None
