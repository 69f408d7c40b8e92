"""mentalbench: a plugin-based benchmark for mental-health counseling language models.

The names a plugin may import are in mentalbench.api; the most used are here too.
"""

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
from .run import startup  # noqa: F401 - first: Ctrl-C while the command loads is one line

__all__ = [
    "__api_version__", "__version__",
    "Answer", "ChatRequest", "Completion", "GenerationOptions", "InputError", "JudgeSpec",
    "Judgment", "MentalbenchError", "MissingExtra", "Model", "Question", "QuestionSet", "Rubric",
    "Score", "Usage", "get_judge", "get_model", "get_registry", "hookimpl", "load_questions",
    "load_rubric",
]


# -- old module paths (relayout.py) --
# Modules moved into packages by stage; an old path still imports, for one release, with a
# DeprecationWarning naming the new one (the table is mentalbench/plugins/moved.py).
import importlib as _importlib  # noqa: E402
import importlib.abc as _abc  # noqa: E402
import importlib.util as _util  # noqa: E402
import sys as _sys  # noqa: E402


class _MovedModules(_abc.MetaPathFinder, _abc.Loader):
    """Loads an old module path as the module it moved to (asked only when nothing else has it)."""

    def find_spec(self, name, path=None, target=None):
        if not name.startswith(__name__ + "."):
            return None
        from .plugins.moved import MOVED

        return _util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec):
        from .plugins.moved import MOVED, warn_moved

        warn_moved(spec.name, MOVED[spec.name])
        return _importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        pass


if not any(isinstance(f, _MovedModules) for f in _sys.meta_path):
    _sys.meta_path.append(_MovedModules())
