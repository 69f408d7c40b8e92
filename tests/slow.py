"""A slow test-double plugin: the scripted model, a judge and a check that each take a while."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mentalbench import hookimpl
from mentalbench.checks.base import Check
from mentalbench.errors import InputError
from mentalbench.records.base import CheckResult, JudgeSpec

from .scripted import ScriptedModel, ScriptedOptions

#: Seconds each answer, verdict and check takes: several heartbeats of the tests' interval.
DELAY = 0.6


@dataclass(frozen=True)
class SlowOptions(ScriptedOptions):
    """Options of the slow model."""

    delay: float = DELAY
    broken_weights: bool = False  # loading fails as a missing or corrupt weights file does


class SlowModel(ScriptedModel):
    """The scripted model, sleeping `delay` seconds before each reply."""

    options_class = SlowOptions
    supports_choice_scores = False

    def generate(self, requests, progress=None):
        if self.options.broken_weights:
            raise InputError(f"model {self.model_id}: cannot load its weights (test double)")
        out = []
        for r in requests:
            time.sleep(self.options.delay)
            out.extend(super().generate([r], progress))
        return out


class SlowCheck(Check):
    """Passes every answer, slowly."""

    name = "slow_check"
    description = "test double: a check that takes a while"

    def run(self, question, answer):
        time.sleep(DELAY)
        return CheckResult("pass", "slow but fine")


@hookimpl
def register_models(register):
    register("slow", SlowModel, description="test double: slow scripted answers")


@hookimpl
def register_judges(register):
    register(JudgeSpec("slow-judge", "slow", {"temperature": "0"},
                       description="test double: a slow judge"))


@hookimpl
def register_checks(register):
    register(SlowCheck())
