"""Text as a judge reads it: NFKC, format characters dropped, so look-alikes compare equal."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and other format characters (Unicode category Cf, as of Unicode 14) and the
# variation selectors: invisible, so a judge reading or re-typing the text drops them.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef]")
# Square, curly and CJK brackets in pairs ("[[", "{{", "【【"); fullwidth ones are folded by NFKC
# first. Angle brackets and parentheses are a rubric's own marks when it uses them (SlotFormat).
_OPEN_PAIR = re.compile(r"([\[{\u3010\u3014\u3016\u3018\u301a\u27e6\u2983])(?=[\[{"
                        r"\u3010\u3014\u3016\u3018\u301a\u27e6\u2983])")
_CLOSE_PAIR = re.compile(r"([\]}\u3011\u3015\u3017\u3019\u301b\u27e7\u2984])(?=[\]}"
                         r"\u3011\u3015\u3017\u3019\u301b\u27e7\u2984])")
# Spaces between marks, which defanging puts in and a judge re-typing a quote may take out.
_BETWEEN_MARKS = re.compile(r"(?<=[\[\]{}()<>=#\-])[ \t]+(?=[\[\]{}()<>=#\-])")


def as_read(text: str) -> str:
    """`text` in NFKC (fullwidth and other compatibility forms folded), invisibles removed."""
    if text.isascii():  # already NFKC, and no format character is ASCII: the common case
        return text
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", text)


def defang_brackets(text: str) -> str:
    """Break every pair of bracket-like marks ('[[' -> '[ [') so none reads as a rating slot."""
    return _CLOSE_PAIR.sub(r"\1 ", _OPEN_PAIR.sub(r"\1 ", text))


def defang_fences(text: str, marks: str) -> str:
    """Runs of three or more of each fence mark (spaces between allowed) cut to two, so that no
    line of the text reads as the prompt's BEGIN/END markers."""
    for mark in dict.fromkeys(marks):
        text = re.sub(rf"{re.escape(mark)}(?:[ \t]*{re.escape(mark)}){{2,}}", mark * 2, text)
    return text


def compared(text: str) -> str:
    """`as_read`, and no spaces between marks: the form quoted material is compared in."""
    return _BETWEEN_MARKS.sub("", as_read(text))
