"""mentalbench: a plugin-based benchmark for mental-health counseling language models.

The names a plugin may import are in mentalbench.api; the most used are here too.
"""

from . import startup  # noqa: F401 - first: Ctrl-C while the command loads is one line
from .api import (
    Answer,
    ChatRequest,
    Completion,
    GenerationOptions,
    InputError,
    JudgeSpec,
    Judgment,
    MentalbenchError,
    MissingExtra,
    Model,
    Question,
    QuestionSet,
    Rubric,
    Score,
    Usage,
    __api_version__,
    __version__,
    get_judge,
    get_model,
    get_registry,
    hookimpl,
    load_questions,
    load_rubric,
)

__all__ = [
    "__api_version__", "__version__",
    "Answer", "ChatRequest", "Completion", "GenerationOptions", "InputError", "JudgeSpec",
    "Judgment", "MentalbenchError", "MissingExtra", "Model", "Question", "QuestionSet", "Rubric",
    "Score", "Usage", "get_judge", "get_model", "get_registry", "hookimpl", "load_questions",
    "load_rubric",
]
