"""Local fake servers for the OpenAI and Gemini protocols, with latency, faults and call counts,
and a hostile judge."""

from .base import FAULTS, FakeServer, FaultPlan, Stats, wait_idle
from .gemini_api import FakeGemini
from .hostile import EXTREMES, HostileJudge
from .openai_api import FakeOpenAI
from .replies import answer_under_review, rating

__all__ = ["EXTREMES", "FAULTS", "HostileJudge", "FakeGemini", "FakeOpenAI", "FakeServer", "FaultPlan", "Stats",
           "answer_under_review", "rating", "wait_idle"]
