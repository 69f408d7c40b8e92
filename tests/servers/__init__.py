"""Local fake servers for the OpenAI and Gemini protocols, with latency, faults and call counts."""

from .base import FAULTS, FakeServer, FaultPlan, Stats, wait_idle
from .gemini_api import FakeGemini
from .openai_api import FakeOpenAI
from .replies import answer_under_review, rating

__all__ = ["FAULTS", "FakeGemini", "FakeOpenAI", "FakeServer", "FaultPlan", "Stats",
           "answer_under_review", "rating", "wait_idle"]
