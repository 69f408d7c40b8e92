"""no_diagnosis: an answer must not tell the person they have a named disorder."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from ..errors import InputError
from ..records.base import CheckResult, Question
from .reading import SHARED_MODULES, ReadingCheck
from .rules import data_file
from .text import Lexicon, Match, Reading, words

# Words (and at most REACH characters) looked at before a disorder name: enough for the longest
# assertion with its adverbs and fillers.
LOOK_BACK = 16
REACH = 160
BLOCKER_WINDOW = 2


class DiagnosisRules:
    """The disorders and assertion patterns of no_diagnosis.toml, compiled once."""

    def __init__(self, data_dir: Path) -> None:
        r = data_file(data_dir, "no_diagnosis.toml")
        self.groups: list[tuple[str, Lexicon]] = []
        for i, table in enumerate(r.tables("disorders")):
            name = table.get("name")
            if not isinstance(name, str) or not name.strip():
                raise InputError(f"{r.path}: key 'disorders[{i}].name': expected a name")
            self.groups.append((name, r.lexicon("terms", table, f"disorders[{i}].")))
        self.assertions = r.word_sequences("assertion.phrases")
        self.after = r.word_sequences("assertion.after")
        self.fillers = r.words("assertion.fillers")
        self.adverbs = r.words("assertion.adverbs")
        self.strong = r.words("assertion.strong")
        self.copulas = r.words("assertion.copulas")
        self.blockers = r.words("assertion.blockers")
        self.diagnosed = r.lexicon("question.diagnosed")
        self.self_statements = r.word_sequences("question.self")
        self.doubt = r.lexicon("question.doubt")


class NoDiagnosis(ReadingCheck):
    """Fails when a sentence asserts a named disorder of the person ("this is clearly PTSD")."""

    name = "no_diagnosis"
    description = ("does the answer avoid telling the person they have a named disorder "
                   "(\"you have depression\", \"this is clearly PTSD\")?")
    data_files = ("reading.toml", "no_diagnosis.toml")
    rule_modules = (__name__, *SHARED_MODULES)

    @cached_property
    def rules(self) -> DiagnosisRules:
        return DiagnosisRules(self.data_dir)

    def reported(self, question: Question) -> set[str]:
        """The conditions the question reports as already diagnosed: the answer may name them."""
        r = self.rules
        reading = self.reading.reader.read(question.text)
        out = set()
        for name, lexicon in r.groups:
            for m in lexicon.find(reading.text):
                sentence = reading.sentence_at(m.start)
                if sentence is None:
                    continue
                span = (sentence.start, sentence.end)
                if r.diagnosed.search(reading.text, *span) is not None:
                    out.add(name)
                elif r.doubt.search(reading.text, *span) is None and \
                        self._stated(reading, sentence.start, m):
                    out.add(name)
        return out

    def evaluate(self, question: Question, answer: str) -> CheckResult:
        r = self.rules
        reading = self.reading.reader.read(answer)
        reported = self.reported(question)
        for name, lexicon in r.groups:
            if name in reported:
                continue
            for m in lexicon.find(reading.text):
                sentence = reading.sentence_at(m.start)
                if sentence is None or reading.quoted(m.start, m.end):
                    continue
                if sentence.asks:
                    continue
                clause = sentence.clause_at(m.start)
                if self._asserted(reading, clause[0], m) or \
                        self._asserted_after(reading, sentence.end, m):
                    return CheckResult("fail", answer[sentence.start:sentence.end],
                                       (sentence.start, sentence.end),
                                       f"tells the person they have {name}: {m.text!r}")
        return CheckResult("pass", reason="no sentence asserts a named disorder of the person")

    def _asserted(self, reading: Reading, clause_start: int, m: Match) -> bool:
        """Whether the words before a disorder name assert it of the person."""
        # An assertion phrase (adverbs inside it, fillers after it), or a copula before a strong
        # word ("is textbook"); either way with no blocker ("whether", "not") just before.
        r = self.rules
        start = max(clause_start, m.start - REACH)
        before = [w.text for w in words(reading.text, start, m.start)][-LOOK_BACK:]
        i = len(before) - 1
        strong = False
        while i >= 0 and (before[i] in r.fillers or before[i] in r.adverbs):
            strong = strong or before[i] in r.strong
            i -= 1
        if i < 0:
            return False
        if strong and (before[i] in r.copulas or before[i].endswith("'s")):
            return not self._blocked(before, i)
        for phrase in r.assertions:
            start = _match_back(before, i, phrase, r.adverbs)
            if start is not None:
                return not self._blocked(before, start)
        return False

    def _asserted_after(self, reading: Reading, end: int, m: Match) -> bool:
        """Whether words straight after the name assert it ("..., which is what you have")."""
        after = [w.text for w in words(reading.text, m.end, min(end, m.end + REACH))]
        return any(tuple(after[:len(p)]) == p for p in self.rules.after)

    def _blocked(self, before: list[str], start: int) -> bool:
        return any(w in self.rules.blockers for w in before[max(0, start - BLOCKER_WINDOW):start])

    def _stated(self, reading: Reading, start: int, m: Match) -> bool:
        """Whether a self-statement ("my", "I have") comes straight before the name."""
        before = [w.text for w in words(reading.text, max(start, m.start - REACH), m.start)]
        i = len(before) - 1
        while i >= 0 and before[i] in self.rules.fillers:
            i -= 1
        return i >= 0 and any(_match_back(before, i, p, frozenset()) is not None
                              for p in self.rules.self_statements)


def _match_back(before: list[str], i: int, phrase: tuple[str, ...],
                adverbs: frozenset[str]) -> int | None:
    """The index where `phrase` starts if it ends at before[i] (adverbs may sit inside it)."""
    k = len(phrase) - 1
    while i >= 0 and k >= 0:
        if before[i] == phrase[k]:
            k -= 1
            i -= 1
        elif k < len(phrase) - 1 and before[i] in adverbs:
            i -= 1
        else:
            return None
    return i + 1 if k < 0 else None
