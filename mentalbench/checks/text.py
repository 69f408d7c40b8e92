"""Reading text for the checks: phrase lexicons, and spans of sentences, clauses and quotes."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

# Curly quotes and apostrophes read as straight ones. One character replaces one, so every span
# found in the straightened text indexes the original answer too.
_STRAIGHTEN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|&")
_PHRASE_WORD = re.compile(r"[\w'&/.-]+\*?")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|\n")
_NEXT_CHAR = re.compile(r"\S")
# An opening quote follows no letter or digit, so the inch mark of 6'2" opens nothing.
_QUOTE = re.compile(r'(?<!\w)"[^"\n]*"')


def straighten(text: str) -> str:
    """The text with curly quotes and apostrophes made straight (same length)."""
    return text.translate(_STRAIGHTEN)


# How help-seeking posts spell contractions once case, apostrophes or tokenisers have been at
# them, mapped back: "i m" / "im" / "i 'm" -> "i'm", "don t" / "dont" / "do n't" -> "don't",
# "wan na" -> "wanna", and a lemmatiser's "wa" / "ha" -> "was" / "has".
_TOKENISED = re.compile(r"\b(\w+) n't\b")
_TOKENISED_CLITIC = re.compile(r"\b(i|you|he|she|it|we|they|that|there|what|who) '(m|s|re|ve|ll|d)\b")
_SPACED = re.compile(r"\b(i|you|he|she|it|we|they|that|there|what|who) (m|s|re|ve|ll|d)\b")
_SPACED_NT = re.compile(r"\b(do|does|did|is|are|was|were|have|has|had|would|could|should|ca|wo|"
                        r"ai|must|need)n t\b")
_SPLIT_SLANG = re.compile(r"\b(wan|gon|got) (na|ta)\b")
_DROPPED = {w.replace("'", ""): w for w in (
    "don't", "doesn't", "didn't", "can't", "won't", "isn't", "wasn't", "aren't", "weren't",
    "haven't", "hasn't", "hadn't", "couldn't", "shouldn't", "wouldn't", "mustn't", "i'm",
    "i've", "you're", "you've", "they're", "they've", "he's", "she's", "that's", "what's",
    "there's", "we're", "we've")}
_LEMMA = {"wa": "was", "ha": "has", "doe": "does", "u": "you", "ur": "your",
          "wanna": "want to", "gonna": "going to", "gotta": "got to"}
_TOKEN = re.compile(r"[a-z]+")


def normalise(text: str) -> str:
    """Text as the question lexicons read it: Unicode NFKC, lower case, straight quotes, and the
    contracted, apostrophe-less and lemmatised spellings of real posts mapped back."""
    import unicodedata

    out = straighten(unicodedata.normalize("NFKC", text)).lower()
    out = _TOKENISED.sub(r"\1n't", out)
    out = _TOKENISED_CLITIC.sub(r"\1'\2", out)
    out = _SPACED_NT.sub(lambda m: m.group(1) + "n't", out)
    out = _SPACED.sub(r"\1'\2", out)
    out = _SPLIT_SLANG.sub(r"\1\2", out)
    out = _TOKEN.sub(lambda m: _DROPPED.get(m.group(), _LEMMA.get(m.group(), m.group())), out)
    return out


@dataclass(frozen=True)
class Word:
    """One word of a text, lower-cased, with its span."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Match:
    """Where a lexicon phrase occurs in a text."""

    start: int
    end: int
    text: str


def words(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """The words of text[start:end] with their spans in `text`."""
    end = len(text) if end is None else end
    return [Word(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


def valid_phrase(phrase: str) -> bool:
    """Whether a data-file phrase uses only the phrase syntax (no regular expressions)."""
    parts = phrase.split()
    return bool(parts) and all(_PHRASE_WORD.fullmatch(p) is not None for p in parts)


def phrase_regex(phrase: str) -> str:
    """A phrase as a regex: whole words, flexible spaces and apostrophes, `*` for any ending."""
    # No group is ever repeated, so matching stays linear in the text.
    parts = []
    for word in re.split(r"[\s-]+", phrase.strip()):
        star = word.endswith("*")
        word = word.rstrip("*")
        # An apostrophe may be dropped or spaced ("dont", "don t"), and "n't" split off by a
        # tokeniser ("do n't"): the spellings of real posts, matched in place so that every
        # span still indexes the original text.
        if word.lower().endswith("n't") and len(word) > 3:
            part = re.escape(word[:-3]) + r"\s?n[' ]?t"
        else:
            part = re.escape(word).replace("'", "[' ]?")
        parts.append(part + (r"\w*" if star else ""))
    body = r"[\s-]+".join(parts)
    head = r"\b" if re.match(r"\w", phrase.strip()) else ""
    tail = r"\b" if re.search(r"[\w*]$", phrase.strip()) else ""
    return head + body + tail


def number_regex(number: str) -> str:
    """A phone number as a regex, never part of a longer number, a price or a percentage."""
    # Any of space, dot, hyphen or nothing may stand between digit groups.
    body = "[ .-]?".join(re.split(r"[\s-]+", number.strip()))
    return rf"(?<![\w$£€¥.,/-]){body}(?![\w%]|[.,/-]\d)"


class Lexicon:
    """Phrases (or phone numbers) compiled once into one case-insensitive pattern."""

    def __init__(self, phrases: Iterable[str], numbers: bool = False) -> None:
        self.phrases = tuple(phrases)
        make = number_regex if numbers else phrase_regex
        # Longest first: at one position the alternation takes the first that matches, so
        # "someone you trust" wins over "someone".
        ordered = sorted(set(self.phrases), key=lambda p: (-len(p), p))
        self.pattern = re.compile("|".join(make(p) for p in ordered) or r"(?!)", re.IGNORECASE)

    def find(self, text: str) -> list[Match]:
        return [Match(m.start(), m.end(), m.group()) for m in self.pattern.finditer(text)]

    def search(self, text: str, start: int = 0, end: int | None = None) -> Match | None:
        m = self.pattern.search(text, start, len(text) if end is None else end)
        return Match(m.start(), m.end(), m.group()) if m else None


@dataclass(frozen=True)
class Sentence:
    """A sentence's span, the spans of its clauses and contrast segments, and whether it asks."""

    start: int
    end: int
    clauses: tuple[tuple[int, int], ...]
    segments: tuple[tuple[int, int], ...]
    asks: bool

    def clause_at(self, pos: int) -> tuple[int, int]:
        return _part_at(self.clauses, pos)

    def segment_at(self, pos: int) -> tuple[int, int]:
        return _part_at(self.segments, pos)


def _part_at(parts: tuple[tuple[int, int], ...], pos: int) -> tuple[int, int]:
    i = bisect.bisect_right(parts, (pos, float("inf"))) - 1
    return parts[max(i, 0)]


class Reader:
    """Splits a text into sentences, clauses and contrast segments, and finds its quotes."""

    def __init__(self, abbreviations: Iterable[str], contrast: Iterable[str]) -> None:
        self.abbreviations = frozenset(a.lower() for a in abbreviations)
        words_alt = "|".join(re.escape(w) for w in sorted(contrast, key=len, reverse=True))
        contrast_re = rf"\b(?:{words_alt})\b" if words_alt else r"(?!)"
        self._clause_break = re.compile(
            rf",(?!\d)|[;:()\[\]]|\s-+\s|[\u2013\u2014]|{contrast_re}", re.IGNORECASE)
        self._segment_break = re.compile(rf";|{contrast_re}", re.IGNORECASE)

    def read(self, text: str) -> Reading:
        """The straightened text with its sentences and quotes."""
        text = straighten(text)
        sentences = []
        for start, end in self._sentence_spans(text):
            sentences.append(Sentence(start, end, _split(text, start, end, self._clause_break),
                                      _split(text, start, end, self._segment_break),
                                      text[max(start, end - 8):end].rstrip("\"')]*").endswith("?")))
        quotes = tuple((m.start(), m.end()) for m in _QUOTE.finditer(text))
        return Reading(text, tuple(sentences), quotes, tuple(s.start for s in sentences),
                       tuple(q[0] for q in quotes))

    def _sentence_spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        start = 0
        lowercase = not any(c.isupper() for c in text)
        for m in _SENTENCE_END.finditer(text):
            if m.group() != "\n" and not self._ends_sentence(text, start, m, lowercase):
                continue
            _add_trimmed(spans, text, start, m.end())
            start = m.end()
        _add_trimmed(spans, text, start, len(text))
        return spans

    def _ends_sentence(self, text: str, start: int, m: re.Match, lowercase: bool) -> bool:
        if text[m.start()] == ".":
            before = text.rfind(" ", start, m.start()) + 1
            if text[max(before, start):m.start()].lower().lstrip("(\"'") in self.abbreviations:
                return False
        nxt = _NEXT_CHAR.search(text, m.end())
        # A text with no capital letter at all (as many posts are) ends a sentence at any stop.
        return nxt is None or lowercase or not nxt.group().islower()


def _add_trimmed(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _split(text: str, start: int, end: int, breaks: re.Pattern) -> tuple[tuple[int, int], ...]:
    parts, at = [], start
    for m in breaks.finditer(text, start, end):
        parts.append((at, m.start()))
        at = m.end()
    parts.append((at, end))
    return tuple(parts)


@dataclass(frozen=True)
class Reading:
    """A text read once: its sentences and quotations, with lookups by character offset."""

    text: str
    sentences: tuple[Sentence, ...]
    quotes: tuple[tuple[int, int], ...]
    sentence_starts: tuple[int, ...]
    quote_starts: tuple[int, ...]

    def sentence_at(self, pos: int) -> Sentence | None:
        i = bisect.bisect_right(self.sentence_starts, pos) - 1
        if i >= 0 and pos < self.sentences[i].end:
            return self.sentences[i]
        return None

    def quoted(self, start: int, end: int) -> bool:
        """Whether [start, end) lies inside a double-quoted passage."""
        i = bisect.bisect_right(self.quote_starts, start) - 1
        return i >= 0 and end <= self.quotes[i][1]


def gap_words(text: str, start: int, end: int, skip: Iterable[Match] = ()) -> list[str]:
    """The words of text[start:end], leaving out those inside the `skip` spans."""
    spans = [(m.start, m.end) for m in skip if m.start < end and m.end > start]
    return [w.text for w in words(text, start, end)
            if not any(s <= w.start and w.end <= e for s, e in spans)]


class Found:
    """A lexicon's matches in one text, sorted, with range lookups in logarithmic time."""

    def __init__(self, matches: list[Match]) -> None:
        self.matches = sorted(matches, key=lambda m: m.start)
        self.starts = [m.start for m in self.matches]

    def within(self, start: int, end: int) -> list[Match]:
        """Matches lying wholly inside [start, end)."""
        i = bisect.bisect_left(self.starts, start)
        j = bisect.bisect_left(self.starts, end)
        return [m for m in self.matches[i:j] if m.end <= end]

    def covering(self, pos: int) -> Match | None:
        """The last match starting at or before `pos`, if it reaches past `pos`."""
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.matches[i] if i >= 0 and self.matches[i].end > pos else None

    def first(self, start: int, end: int) -> Match | None:
        """The first match lying wholly inside [start, end)."""
        i = bisect.bisect_left(self.starts, start)
        while i < len(self.matches) and self.matches[i].start < end:
            if self.matches[i].end <= end:
                return self.matches[i]
            i += 1
        return None

    def last(self, start: int, end: int) -> Match | None:
        """The last match lying wholly inside [start, end)."""
        i = bisect.bisect_left(self.starts, end) - 1
        while i >= 0 and self.matches[i].start >= start:
            if self.matches[i].end <= end:
                return self.matches[i]
            i -= 1
        return None
