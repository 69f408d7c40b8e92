"""The rules every bundled check reads with (reading.toml): sentences, clauses and negation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .base import Check
from .rules import data_file
from .text import Found, Lexicon, Match, Reader, Reading, gap_words, normalise

# A negation reaches a mention only across this many characters: enough for "you don't really
# need to go to the nearest", and a bound that keeps every lookup constant-time.
REACH = 80


@dataclass(frozen=True)
class Marks:
    """The negation cues and after-cues of one text."""

    cues: Found
    after: Found


class ReadingRules:
    """Sentence and clause splitting plus negation, loaded from reading.toml."""

    def __init__(self, data_dir: Path) -> None:
        rules = data_file(data_dir, "reading.toml")
        self.reader = Reader(rules.strings("sentences.abbreviations"),
                             rules.words("clauses.contrast"))
        self.cues = rules.lexicon("negation.cues")
        self.not_cues = rules.lexicon("negation.not_cues")
        self.linking = rules.words("negation.linking")
        self.after = rules.lexicon("negation.after")

    def read(self, text: str) -> tuple[Reading, Marks]:
        """Read a text once: its sentences and quotes, and where negations are."""
        reading = self.reader.read(text)
        urging = Found(self.not_cues.find(reading.text))
        cues = [c for c in self.cues.find(reading.text) if urging.covering(c.start) is None]
        return reading, Marks(Found(cues), Found(self.after.find(reading.text)))

    def negation(self, reading: Reading, marks: Marks, mention: Match,
                 clause: tuple[int, int], others: Found | None = None) -> Match | None:
        """The cue that negates `mention` in its clause, if any."""
        # Only the nearest cue before (or after-cue after) can govern it: a farther one has the
        # nearer cue itself, not a linking word, in its gap.
        text = reading.text
        before = marks.cues.last(max(clause[0], mention.start - REACH), mention.start)
        if before is not None and self._linked(text, before.end, mention.start, others):
            return before
        after = marks.after.first(mention.end, min(clause[1], mention.end + REACH))
        if after is not None and self._linked(text, mention.end, after.start, others):
            return after
        return None

    def _linked(self, text: str, start: int, end: int, others: Found | None) -> bool:
        skip = others.within(start, end) if others is not None else []
        return all(w in self.linking for w in gap_words(text, start, end, skip))


#: The modules whose source decides every bundled check, besides the check's own module.
SHARED_MODULES = ("mentalbench.checks.reading", "mentalbench.checks.text",
                  "mentalbench.checks.rules", "mentalbench.checks.base")


class ReadingCheck(Check):
    """A bundled check: reads with reading.toml's rules plus a data file of its own."""

    @cached_property
    def reading(self) -> ReadingRules:
        return ReadingRules(self.data_dir)

    def first_unnegated(self, lexicon: Lexicon, text: str,
                        exclude: Lexicon | None = None) -> str | None:
        """The first phrase of `lexicon` in `text` (normalised: the spellings of real posts)
        that no negation governs and no `exclude` phrase covers."""
        reading, marks = self.reading.read(normalise(text))
        covers = Found(exclude.find(reading.text)) if exclude is not None else None
        for m in lexicon.find(reading.text):
            if covers is not None and any(c.start <= m.start and m.end <= c.end
                                          for c in covers.within(max(0, m.start - 80),
                                                                 m.end + 80)):
                continue
            sentence = reading.sentence_at(m.start)
            # Quotes count here: a person quoting someone at risk reports a risk.
            if sentence is None:
                continue
            if self.reading.negation(reading, marks, m, sentence.clause_at(m.start)) is None:
                return m.text
        return None
