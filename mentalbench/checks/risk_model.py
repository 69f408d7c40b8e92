"""Reading risk in a question's text with a word model: tf-idf words and word pairs of the
normalised text through a logistic regression (risk_model.json, benchmarks/crisis_model_train.py)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Protocol

from ..errors import InputError
from .text import normalise

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")
# Readings kept: a run reads the same question once per answer and per check call.
CACHE_SIZE = 4096


def grams(text: str) -> list[str]:
    """The model's features of a text: its normalised words, then each pair of adjacent words."""
    found = _TOKEN.findall(normalise(text))
    return found + [f"{a} {b}" for a, b in pairwise(found)]


@dataclass(frozen=True)
class RiskScore:
    """The word model's P(risk now) for a text and the words that pushed it up most."""

    probability: float
    strongest: tuple[str, ...]

    def describe(self) -> str:
        words = ", ".join(repr(g) for g in self.strongest) or "no word for risk"
        return f"the word model reads {self.probability:.2f} ({words})"


class Score(Protocol):
    """A reader's P(risk now) for one text, and how to say what it read."""

    probability: float

    def describe(self) -> str: ...


class RiskScorer(Protocol):
    """Reads P(risk now) in a question's text, with the cut-offs crisis_referral applies: at
    `threshold` alone, or at `rules_veto` where the concept rules read risk too."""

    threshold: float
    rules_veto: float

    def score(self, text: str) -> Score: ...


class RiskModel:
    """P(acute risk) of a question's text; the weights, thresholds and training record come from
    one JSON file."""

    def __init__(self, path: Path) -> None:
        try:
            w = json.loads(path.read_text(encoding="utf-8"))
            self.intercept, self.threshold = float(w["intercept"]), float(w["threshold"])
            self.rules_veto = float(w["rules_veto"])
            self.weights = {g: (float(idf), float(coef)) for g, (idf, coef) in
                            w["vocabulary"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: expected the word model's JSON (intercept, threshold, "
                             f"rules_veto, vocabulary of [idf, coef]): {exc}") from None
        self.score = lru_cache(maxsize=CACHE_SIZE)(self._score)

    def _score(self, text: str) -> RiskScore:
        """Sublinear tf-idf over the known grams, L2-normalised, through the regression."""
        counts = Counter(g for g in grams(text) if g in self.weights)
        x = {g: (1 + math.log(n)) * self.weights[g][0] for g, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in x.values())) or 1.0
        parts = {g: v / norm * self.weights[g][1] for g, v in x.items()}
        z = self.intercept + sum(parts.values())
        strongest = sorted((g for g, v in parts.items() if v > 0), key=lambda g: -parts[g])[:3]
        return RiskScore(1 / (1 + math.exp(-z)), tuple(strongest))
