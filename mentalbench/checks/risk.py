"""Reading risk in a question's text: concept classes combined by rules (risk_reading.toml)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .reading import ReadingRules
from .rules import RuleFile, data_file
from .text import Found, Lexicon, Match, Sentence, normalise

# How far, in characters, a figure of speech may reach around a concept match it covers.
FIGURE_REACH = 80


@dataclass(frozen=True)
class Hit:
    """One concept matched in the normalised question, in one sentence."""

    concept: str
    match: Match
    sentence: Sentence


@dataclass(frozen=True)
class Rule:
    """Concepts that together read as risk, in one sentence or anywhere in the question."""

    name: str
    concepts: tuple[str, ...]
    within: str = "sentence"

    def holds(self, hits: list[Hit]) -> list[Hit] | None:
        """The hits that satisfy the rule (one per concept named), or None."""
        need = Counter(self.concepts)
        groups = [hits] if self.within == "post" else _by_sentence(hits)
        for group in groups:
            chosen: list[Hit] = []
            for concept, count in need.items():
                mine = _distinct([h for h in group if h.concept == concept])
                if len(mine) < count:
                    break
                chosen += mine[:count]
            else:
                return chosen
        return None


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
        # Concepts that count only when a negation governs them.
        self.negated = _concepts(r, "negated")
        names = set(self.concepts) | set(self.negated)
        self.rules = tuple(_rule(r.path, t, i, names) for i, t in enumerate(r.tables("rules")))
        self.figures = Lexicon(r.phrases("safe.figures") + not_said.phrases)
        self.contexts = r.lexicon("safe.contexts")
        self.retractions = r.lexicon("safe.retractions")
        self.reading = reading

    def read(self, text: str) -> RiskReading | None:
        """The first rule that holds in the question's text, with its evidence; None if none."""
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
        reading, marks = self.reading.read(normalise(text))
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
                cue = self.reading.negation(reading, marks, m, sentence.clause_at(m.start))
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


def _distinct(hits: list[Hit]) -> list[Hit]:
    """Hits that do not overlap one another (two matches of a concept must be two places)."""
    out: list[Hit] = []
    for h in hits:
        if all(h.match.start >= o.match.end or h.match.end <= o.match.start for o in out):
            out.append(h)
    return out


def _concepts(r: RuleFile, key: str) -> dict[str, Lexicon]:
    table = r.data.get(key)
    if not isinstance(table, dict) or not table:
        raise InputError(f"{r.path}: key '{key}': expected a table of phrase lists")
    return {name: r.lexicon(name, table, f"{key}.") for name in table}


def _rule(path: Path, table: dict, index: int, concepts: set[str]) -> Rule:
    where = f"rules[{index}]"
    name, names, within = table.get("name"), table.get("all"), table.get("within", "sentence")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{path}: key '{where}.name': expected a non-empty string")
    if not isinstance(names, list) or not names or \
            not all(isinstance(n, str) and n in concepts for n in names):
        raise InputError(f"{path}: key '{where}.all': expected a list of concepts, each one of "
                         f"{', '.join(sorted(concepts))}")
    if within not in ("sentence", "post"):
        raise InputError(f"{path}: key '{where}.within': expected 'sentence' or 'post'")
    return Rule(name.strip(), tuple(names), within)
