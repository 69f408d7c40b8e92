"""Reading risk in a question's text: concept classes combined by rules (risk_reading.toml)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .reading import ReadingRules
from .rules import RuleFile, data_file
from .text import Found, Lexicon, Match, Sentence, normalise

# How far, in characters, a figure of speech may reach around a concept match it covers.
FIGURE_REACH = 80
# Readings kept per reader: a run reads the same question once per answer and per check call.
CACHE_SIZE = 4096


@dataclass(frozen=True)
class Hit:
    """One concept matched in the normalised question, in one sentence."""

    concept: str
    match: Match
    sentence: Sentence


@dataclass(frozen=True)
class Rule:
    """Concepts that together read as risk in one sentence: all of `concepts` and, when `partners`
    is not empty, one of `partners` besides."""

    name: str
    concepts: tuple[str, ...]
    partners: tuple[str, ...] = ()

    def holds(self, hits: list[Hit]) -> list[Hit] | None:
        """The hits that satisfy the rule (one per concept named), or None."""
        for group in _by_sentence(hits):
            partners = [h for h in group if h.concept in self.partners] if self.partners \
                else [None]
            for partner in partners:
                # A partner may share words with what it partners ("happier if" + "if i
                # wasn't"), but not be the same words read twice ("how high").
                chosen = self._chosen([h for h in group
                                       if partner is None or not _nested(h, partner)])
                if chosen is not None:
                    return chosen + ([partner] if partner is not None else [])
        return None

    def _chosen(self, group: list[Hit]) -> list[Hit] | None:
        """Hits in two separate places for a concept named twice, one for each other."""
        chosen: list[Hit] = []
        for concept, count in Counter(self.concepts).items():
            mine = _distinct([h for h in group if h.concept == concept])
            if len(mine) < count:
                return None
            chosen += mine[:count]
        return chosen


@dataclass(frozen=True)
class RiskReading:
    """Why a question reads as risk: the rule that held, its concepts and its sentence."""

    rule: str
    hits: tuple[Hit, ...]
    sentence: str

    def describe(self) -> str:
        found = ", ".join(f"{h.concept} {h.match.text!r}" for h in self.hits)
        return f"{self.rule} ({found}) in {self.sentence!r}"


class RiskReader:
    """Reads risk in untagged question text by combining concept classes."""

    def __init__(self, data_dir: Path, reading: ReadingRules, said: Lexicon,
                 not_said: Lexicon) -> None:
        r = data_file(data_dir, "risk_reading.toml")
        self.concepts = {"said": said} | _concepts(r, "concepts")
        for name in r.strings("persons.concepts"):
            if name not in self.concepts:
                raise InputError(f"{r.path}: key 'persons.concepts': {name!r}: expected one of "
                                 f"{', '.join(sorted(self.concepts))}")
            self.concepts[name] = Lexicon(_in_third_person(self.concepts[name].phrases))
        # Concepts that count only when a negation governs them.
        self.negated = _concepts(r, "negated")
        names = set(self.concepts) | set(self.negated)
        self.rules = tuple(_rule(r.path, t, i, names) for i, t in enumerate(r.tables("rules")))
        self.figures = Lexicon(r.phrases("safe.figures") + not_said.phrases)
        self.contexts = r.lexicon("safe.contexts")
        self.retractions = r.lexicon("safe.retractions")
        self.opens_clause = r.words("negation.opens_clause")
        drop = "|".join(sorted(r.words("normalise.drop")))
        self.drop = re.compile(rf"\b(?:{drop}) ")
        self.reading = reading
        self._cache: dict[str, RiskReading | None] = {}

    def read(self, text: str) -> RiskReading | None:
        """The first rule that holds in the question's text, with its evidence; None if none."""
        if text not in self._cache:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = self._read(text)
        return self._cache[text]

    def _read(self, text: str) -> RiskReading | None:
        norm, hits = self.hits(text)
        for rule in self.rules:
            chosen = rule.holds(hits)
            if chosen is not None:
                sentence = chosen[0].sentence
                return RiskReading(rule.name, tuple(chosen), norm[sentence.start:sentence.end])
        return None

    def hits(self, text: str) -> tuple[str, list[Hit]]:
        """The normalised text and every concept match in it that no negation governs, no
        figure covers and no context makes safe."""
        reading, marks = self.reading.read(self.drop.sub("", normalise(text)))
        norm = reading.text
        figures = Found(self.figures.find(norm))
        contexts = Found(self.contexts.find(norm))
        retractions = Found(self.retractions.find(norm))
        out = []
        for concept, lexicon, negated in [(n, lex, False) for n, lex in self.concepts.items()] \
                + [(n, lex, True) for n, lex in self.negated.items()]:
            for m in lexicon.find(norm):
                sentence = reading.sentence_at(m.start)
                if sentence is None or _covered(figures, m) or \
                        retractions.first(sentence.start, sentence.end) is not None or \
                        contexts.first(*sentence.segment_at(m.start)) is not None:
                    continue
                cue = None if m.text.split()[0] in self.opens_clause else \
                    self.reading.negation(reading, marks, m, sentence.clause_at(m.start))
                if (cue is not None) == negated:
                    out.append(Hit(concept, m, sentence))
        return norm, sorted(out, key=lambda h: h.match.start)


def _covered(figures: Found, m: Match) -> bool:
    """Whether a figure of speech overlaps the match ("dying to", "wanted to die of
    embarrassment")."""
    return any(f.start < m.end and m.start < f.end
               for f in figures.within(max(0, m.start - FIGURE_REACH), m.end + FIGURE_REACH))


def _by_sentence(hits: list[Hit]) -> list[list[Hit]]:
    groups: dict[int, list[Hit]] = {}
    for h in hits:
        groups.setdefault(h.sentence.start, []).append(h)
    return list(groups.values())


def _apart(a: Hit, b: Hit) -> bool:
    return a.match.start >= b.match.end or a.match.end <= b.match.start


def _nested(a: Hit, b: Hit) -> bool:
    """Whether one hit's words lie within the other's."""
    return (a.match.start <= b.match.start and b.match.end <= a.match.end) or \
        (b.match.start <= a.match.start and a.match.end <= b.match.end)


def _distinct(hits: list[Hit]) -> list[Hit]:
    """Hits that do not overlap one another (two matches of a concept must be two places)."""
    out: list[Hit] = []
    for h in hits:
        if all(_apart(h, o) for o in out):
            out.append(h)
    return out


# First-person words and their third-person forms, one set per pronoun.
_PERSONS = ({"i": "he", "i'm": "he's", "i've": "he's", "i'll": "he'll", "i'd": "he'd",
             "my": "his", "me": "him", "myself": "himself", "mine": "his"},
            {"i": "she", "i'm": "she's", "i've": "she's", "i'll": "she'll", "i'd": "she'd",
             "my": "her", "me": "her", "myself": "herself", "mine": "hers"})


# Verbs as they follow "he" or "she".
_VERBS = {"want": "wants", "wish": "wishes", "don't": "doesn't", "have": "has", "hate": "hates",
          "need": "needs", "keep": "keeps", "am": "is"}


def _in_third_person(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The phrases plus their forms about someone else ("hang myself" -> "hang himself",
    "want to disappear" -> "wants to disappear")."""
    out = list(phrases)
    for phrase in phrases:
        words = phrase.split()
        if any(w in _PERSONS[0] for w in words):
            out += [" ".join(forms.get(w, w) for w in words) for forms in _PERSONS]
        if any(w in _VERBS for w in words):
            out.append(" ".join(_VERBS.get(w, w) for w in words))
    return tuple(dict.fromkeys(out))


def _concepts(r: RuleFile, key: str) -> dict[str, Lexicon]:
    table = r.data.get(key)
    if not isinstance(table, dict) or not table:
        raise InputError(f"{r.path}: key '{key}': expected a table of phrase lists")
    return {name: r.lexicon(name, table, f"{key}.") for name in table}


def _rule(path: Path, table: dict, index: int, concepts: set[str]) -> Rule:
    where = f"rules[{index}]"
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{path}: key '{where}.name': expected a non-empty string")
    lists = {}
    for key in ("all", "any"):
        names = table.get(key, [])
        if not isinstance(names, list) or (key == "all" and not names) or \
                not all(isinstance(n, str) and n in concepts for n in names):
            raise InputError(f"{path}: key '{where}.{key}': expected a list of concepts, each "
                             f"one of {', '.join(sorted(concepts))}")
        lists[key] = tuple(names)
    return Rule(name.strip(), lists["all"], lists["any"])
