"""How a judge names a metric (normalised words, aliases, a lookup table) and what it rates."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..records.base import Metric

WORD = re.compile(r"[^\W_]+")
# A trailing "rating" or "score" does not change which metric a name means.
_SUFFIXES = frozenset({"rating", "score"})
# Other names of the overall rating; a bare "Rating" counts only at the start of a line.
OVERALL_ALIASES = (("overall", "rating"), ("final", "rating"))
BARE_OVERALL = ("rating",)


def name_words(text: str) -> tuple[str, ...]:
    """The case-folded words of a name; '&', 'and', '_' and other punctuation dropped."""
    return tuple(w for w in (m.group().casefold() for m in WORD.finditer(text)) if w != "and")


def canonical(words: Sequence[str]) -> tuple[str, ...]:
    """Words without a trailing 'rating'/'score': how JSON keys and names are compared."""
    words = tuple(words)
    return words[:-1] if len(words) > 1 and words[-1] in _SUFFIXES else words


def metric_phrases(metric: Metric, is_overall: bool) -> list[tuple[tuple[str, ...], bool]]:
    """Every word sequence that names `metric`, each with whether it must start a line."""
    phrases = {name_words(metric.name): False, name_words(metric.key): False}
    for words in list(phrases):
        phrases.setdefault(canonical(words), False)
    if is_overall:
        phrases.update(dict.fromkeys(OVERALL_ALIASES, False))
        phrases.setdefault(BARE_OVERALL, True)
    return [(w, start) for w, start in phrases.items() if w]


def name_clash(rated: Sequence[Metric], overall: Metric | None) -> tuple[Metric, Metric] | None:
    """Two metrics the parser could not tell apart (same normalised name, key or alias)."""
    owner: dict[tuple[str, ...], Metric] = {}
    for metric in rated:
        mine = {canonical(words) for words, _ in metric_phrases(metric, metric is overall)}
        for words in mine:
            if words in owner and owner[words] is not metric:
                return owner[words], metric
            owner[words] = metric
    return None


@dataclass(frozen=True)
class Rating:
    """A rating statement found in a reply, before the quoting and ambiguity rules apply."""

    metric: str
    value: float
    form: str  # "slot" (the rubric's format), "json" or "loose"
    source: str  # the line or JSON text it stands in, compared with the quoted material
    compact: bool = False  # compare `source` with all spaces removed (JSON may be re-indented)


@dataclass(frozen=True)
class Phrase:
    """One way of naming a metric: its words, the metric's key, and whether it must start a line."""

    words: tuple[str, ...]
    metric: str
    line_start: bool


class NameTable:
    """The rubric's metric names, found by word sequence in lines or by key in JSON."""

    def __init__(self, rated: Sequence[Metric], overall: Metric | None):
        self.by_first: dict[str, list[Phrase]] = {}
        self.by_canonical: dict[tuple[str, ...], str] = {}
        for metric in rated:
            for words, line_start in metric_phrases(metric, metric is overall):
                self.by_first.setdefault(words[0], []).append(Phrase(words, metric.key, line_start))
                self.by_canonical.setdefault(canonical(words), metric.key)

    def matches(self, words: Sequence[str], i: int) -> Iterator[tuple[Phrase, int]]:
        """Phrases whose words start at words[i], each with the index of its last word."""
        for phrase in self.by_first.get(words[i], ()):
            end = i + len(phrase.words)
            if tuple(words[i:end]) == phrase.words:
                yield phrase, end - 1

    def metric_for(self, key: str) -> str | None:
        """The metric a JSON key or a "metric"/"name" field names, if any."""
        return self.by_canonical.get(canonical(name_words(key)))


@functools.lru_cache(maxsize=32)
def name_table(rated: tuple[Metric, ...], overall: Metric | None) -> NameTable:
    """A rubric's name table (its rated slots, overall first), built once per rubric."""
    return NameTable(rated, overall)
