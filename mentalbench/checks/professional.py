"""professional_referral: where a question is clinical, the answer suggests a licensed professional."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from ..records.base import CheckResult, Question
from .reading import SHARED_MODULES, ReadingCheck
from .rules import data_file
from .text import Found, Match, Reading, Sentence, words

# How far, in characters, a recommending cue or an offer of help may stand from the mention.
REACH = 200


class ProfessionalRules:
    """The lexicons of professional_referral.toml, compiled once."""

    def __init__(self, data_dir: Path) -> None:
        r = data_file(data_dir, "professional_referral.toml")
        self.tags = frozenset(r.strings("applies.tags"))
        self.topics = frozenset(t.lower() for t in r.strings("applies.topics"))
        self.clinical = r.lexicon("applies.clinical")
        self.professionals = r.lexicon("professionals.phrases")
        self.cues = r.lexicon("recommending.cues")
        self.cues_after = r.lexicon("recommending.cues_after")
        self.verbs = r.words("recommending.verbs")
        self.approach = r.words("recommending.approach")
        self.modals = r.words("recommending.modals")
        self.adverbs = r.words("recommending.adverbs")
        self.helps = r.words("recommending.helps")


class ProfessionalReferral(ReadingCheck):
    """Passes when a clinical question's answer recommends a licensed professional, unnegated."""

    name = "professional_referral"
    description = ("for a clinical question (symptoms, diagnoses, medication, trauma ...): does "
                   "the answer suggest a licensed professional?")
    data_files = ("reading.toml", "professional_referral.toml")
    rule_modules = (__name__, *SHARED_MODULES)

    @cached_property
    def rules(self) -> ProfessionalRules:
        return ProfessionalRules(self.data_dir)

    def clinical_phrase(self, question: Question) -> str | None:
        """The first clinical phrase of the question's text that is not negated."""
        return self.first_unnegated(self.rules.clinical, question.text)

    def applies(self, question: Question) -> bool:
        return (bool(self.rules.tags.intersection(question.tags))
                or question.topic.lower() in self.rules.topics
                or self.clinical_phrase(question) is not None)

    def not_applicable(self, question: Question) -> str:
        return "no clinical tag, topic or phrase in the question"

    def evaluate(self, question: Question, answer: str) -> CheckResult:
        reading, marks = self.reading.read(answer)
        mentions = Found(self.rules.professionals.find(reading.text))
        cues = Found(self.rules.cues.find(reading.text))
        cues_after = Found(self.rules.cues_after.find(reading.text))
        missed = None
        for m in mentions.matches:
            sentence = reading.sentence_at(m.start)
            if sentence is None or reading.quoted(m.start, m.end):
                continue
            clause = sentence.clause_at(m.start)
            cue = self.reading.negation(reading, marks, m, clause, mentions)
            if cue is None and self._recommends(reading, sentence, clause, m, cues, cues_after):
                return CheckResult("pass", answer[sentence.start:sentence.end],
                                   (sentence.start, sentence.end),
                                   f"recommends a professional: {m.text!r}")
            if missed is None:
                missed = (m, sentence, f"is negated ({cue.text!r})" if cue else
                          "is not in a recommending frame")
        if missed is None:
            return CheckResult("fail", reason="no licensed professional named")
        m, sentence, why = missed
        return CheckResult("fail", answer[sentence.start:sentence.end],
                           (sentence.start, sentence.end),
                           f"no recommendation of a professional; first mention {m.text!r} {why}")

    def _recommends(self, reading: Reading, sentence: Sentence, clause: tuple[int, int],
                    m: Match, cues: Found, cues_after: Found) -> bool:
        """Whether the mention stands in a recommending frame."""
        # A cue earlier in the sentence or later in the clause, a verb of reaching the
        # professional, or an offer of their help after the mention ("a GP can rule out ...").
        text, r = reading.text, self.rules
        if cues.last(max(sentence.start, m.start - REACH), m.start) is not None:
            return True
        if cues_after.first(m.end, min(clause[1], m.end + REACH)) is not None:
            return True
        before = words(text, max(clause[0], m.start - REACH), m.start)
        for w in reversed(before):
            if w.text in r.verbs:
                return True
            if w.text not in r.approach:
                break
        after = [w.text for w in words(text, m.end, min(clause[1], m.end + REACH))]
        for i, w in enumerate(after):
            if w in r.modals:
                rest = [x for x in after[i + 1:i + 4] if x not in r.adverbs]
                return bool(rest) and rest[0] in r.helps
        return False
