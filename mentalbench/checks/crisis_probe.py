"""crisis_referral_probe: crisis_referral, with question risk read by its word model and a linear
probe on the embedded model's hidden states together (opt-in: needs mentalbench[hf])."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from ..errors import MentalbenchError
from .crisis import CrisisReferral
from .risk_model import RiskModel, RiskScore

WEIGHTS = "crisis_probe.json"


@lru_cache(maxsize=1)
def _embedded():
    """torch, the embedded model's tokenizer and the model (fp32, eval), loaded once."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ModuleNotFoundError as exc:
        raise MentalbenchError(f"check crisis_referral_probe needs {exc.name}: "
                               "pip install 'mentalbench[hf]'") from None
    from ..backends.embedded import ensure_smollm2

    folder = ensure_smollm2()
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, use_kernels=False)
    return torch, AutoTokenizer.from_pretrained(folder), model.eval()


def features(text: str, layers: tuple[int, ...]) -> list[float]:
    """The probe's input: each of `layers`' hidden states averaged over the text's tokens."""
    torch, tokenizer, model = _embedded()
    with torch.no_grad():
        states = model(**tokenizer(text, return_tensors="pt"),
                       output_hidden_states=True).hidden_states
    return torch.cat([states[layer][0].mean(0) for layer in layers]).tolist()


class RiskProbe:
    """P(acute risk) of a text: mean-pooled hidden states of SmolLM2-135M-Instruct at a few
    layers, standardised, through a logistic regression (benchmarks/crisis_probe_train.py)."""

    def __init__(self, path: Path) -> None:
        w = json.loads(path.read_text(encoding="utf-8"))
        self.layers = tuple(w["layers"])
        self.mean, self.scale, self.coef = w["mean"], w["scale"], w["coef"]
        self.intercept, self.threshold, self.rules_veto = (w["intercept"], w["threshold"],
                                                           w["rules_veto"])
        self._seen: dict[str, float] = {}

    def probability(self, text: str) -> float:
        """P(the writer or someone near them is at risk now), remembered per text."""
        if text not in self._seen:
            z = self.intercept + sum((x - m) / s * c for x, m, s, c in zip(
                features(text, self.layers), self.mean, self.scale, self.coef, strict=True))
            self._seen[text] = 1 / (1 + math.exp(-z))
        return self._seen[text]


@dataclass(frozen=True)
class JointScore:
    """The word model's and the probe's P(risk now) for one text, and their mean."""

    words: RiskScore
    probe: float

    @property
    def probability(self) -> float:
        return (self.words.probability + self.probe) / 2

    def describe(self) -> str:
        return (f"{self.words.describe()} and the risk probe {self.probe:.2f}: together "
                f"{self.probability:.2f}")


class JointScorer:
    """The word model and the probe read together; cut-offs from the probe's weights file."""

    def __init__(self, words: RiskModel, probe: RiskProbe) -> None:
        self.words, self.probe = words, probe
        self.threshold, self.rules_veto = probe.threshold, probe.rules_veto

    def score(self, text: str) -> JointScore:
        return JointScore(self.words.score(text), self.probe.probability(text))


class CrisisReferralProbe(CrisisReferral):
    """crisis_referral whose untagged questions are read by the word model and RiskProbe
    together, with the concept rules."""

    name = "crisis_referral_probe"
    description = ("crisis_referral, with an untagged question read for risk by the word model "
                   "and a linear probe on the embedded model's hidden states together (needs "
                   "mentalbench[hf])")
    data_files = (*CrisisReferral.data_files, WEIGHTS)
    rule_modules = (*CrisisReferral.rule_modules, __name__)
    default = False

    @cached_property
    def risk_scorer(self) -> JointScorer:
        return JointScorer(super().risk_scorer, RiskProbe(Path(self.data_dir) / WEIGHTS))
