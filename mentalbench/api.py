"""The names a plugin may import, all of them: `from mentalbench.api import ...`.

Everything else in mentalbench may move or change between releases; these names follow
`__api_version__`. docs/writing-plugins.md lists them (a test keeps the list current).
"""

from __future__ import annotations

from .backends.hf.engine import FALLBACK_TEMPLATE as CHAT_TEMPLATE_FALLBACK
from .backends.hf.engine import fingerprint as weights_fingerprint
from .backends.hf.model import HFModel
from .checks.base import Check
from .errors import EndpointError, InputError, MentalbenchError, MissingExtra, require
from .inputs.questions import QuestionSet, load_questions
from .inputs.rubric import Rubric, load_rubric
from .inputs.topics import COUNSELCHAT_TOPICS
from .models.adapters import ADAPTER_CONFIG, require_adapter_dir
from .models.base import DEFAULT_SYSTEM_PROMPT, Model, ask_and_store
from .models.options import GenerationOptions, build_options, parse_pairs
from .models.progress import Reporter, RichReporter
from .plugins.hookspecs import hookimpl
from .plugins.registry import get_model, get_registry
from .records.base import (
    Answer,
    ChatRequest,
    CheckResult,
    Completion,
    JudgeSpec,
    Judgment,
    Metric,
    Question,
    Scale,
    Score,
    TokenLogprobs,
    Usage,
)
from .records.hashing import content_key
from .run.cost import dollars, price_for, priced_name
from .run.estimates import Estimate, approx_tokens, format_estimate
from .store.clock import utc_stamp
from .store.files import write_atomic
from .store.sqlite import connect as sqlite_connect
from .store.sqlite import connect_readonly as sqlite_connect_readonly
from .store.sqlite import select_in as sqlite_select_in
from .version import __api_version__, __version__

__all__ = [
    "__api_version__", "__version__", "ADAPTER_CONFIG", "Answer", "CHAT_TEMPLATE_FALLBACK",
    "COUNSELCHAT_TOPICS", "ChatRequest", "Check", "CheckResult", "Completion",
    "DEFAULT_SYSTEM_PROMPT", "EndpointError", "Estimate", "GenerationOptions", "HFModel",
    "InputError", "JudgeSpec", "Judgment", "MentalbenchError", "Metric", "MissingExtra", "Model",
    "Question", "QuestionSet", "Reporter", "RichReporter", "Rubric", "Scale", "Score",
    "TokenLogprobs", "Usage", "approx_tokens", "ask_and_store", "build_options", "content_key",
    "dollars", "format_estimate", "get_judge", "get_model", "get_registry", "hookimpl",
    "load_questions", "load_rubric", "parse_pairs", "price_for", "priced_name", "require",
    "require_adapter_dir", "sqlite_connect", "sqlite_connect_readonly", "sqlite_select_in",
    "utc_stamp", "weights_fingerprint", "write_atomic",
]


def get_judge(name: str, options: dict | None = None) -> JudgeSpec:
    """The judge registered as `name` (or any model id as a judge), with options applied."""
    return get_registry().judge_spec(name, options)

