"""mentalbench: a plugin-based benchmark for mental-health counseling language models."""

from . import startup  # noqa: F401 - first: Ctrl-C while the command loads is one line
from .errors import InputError, MentalbenchError, MissingExtra
from .hookspecs import hookimpl
from .models import Model
from .options import GenerationOptions
from .questions import QuestionSet, load_questions
from .records import Answer, ChatRequest, Completion, JudgeSpec, Judgment, Question, Score, Usage
from .registry import get_model, get_registry
from .rubric import Rubric, load_rubric
from .version import __api_version__, __version__

__all__ = [
    "__api_version__", "__version__",
    "Answer", "ChatRequest", "Completion", "GenerationOptions", "InputError", "JudgeSpec",
    "Judgment", "MentalbenchError", "MissingExtra", "Model", "Question", "QuestionSet", "Rubric",
    "Score", "Usage", "get_judge", "get_model", "get_registry", "hookimpl", "load_questions",
    "load_rubric",
]


def get_judge(name: str, options: dict | None = None) -> JudgeSpec:
    """The judge registered as `name` (or any model id as a judge), with options applied."""
    return get_registry().judge_spec(name, options)
