"""What plugins registered: models, judges, question sets and rubrics, resolved by name."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, MentalbenchError
from .judge_models import pinned_options
from .models import Model
from .options import build_options
from .plugins import load_plugins, pm
from .records import JudgeSpec


@dataclass(frozen=True)
class ModelEntry:
    """A registered model name (`smollm2`) or id prefix (`hf` for `hf:<path>`)."""

    name: str
    factory: Callable[..., Model]
    prefix: bool
    aliases: tuple[str, ...]
    description: str
    plugin: str


@dataclass(frozen=True)
class NamedPath:
    """A registered question set or rubric folder."""

    name: str
    path: Path
    description: str
    plugin: str
    format: str | None = None


class Registry:
    """Collects everything the plugins register and resolves ids against it."""

    def __init__(self) -> None:
        self.models: dict[str, ModelEntry] = {}
        self.model_aliases: dict[str, str] = {}
        self.judges: dict[str, JudgeSpec] = {}
        self.judge_aliases: dict[str, str] = {}
        self.question_sets: dict[str, NamedPath] = {}
        self.rubrics: dict[str, NamedPath] = {}
        self.checks: dict[str, Any] = {}  # name -> a check object (see mentalbench.checks)
        self.plugin_of: dict[str, str] = {}
        self._collect()

    def _each_plugin(self, hook: str, make_register: Callable[[str], Callable[..., None]]) -> None:
        caller = getattr(pm.hook, hook)
        for impl in caller.get_hookimpls():
            register = make_register(impl.plugin_name)
            impl.function(**{arg: register for arg in impl.argnames})

    def _collect(self) -> None:
        load_plugins()

        def model_register(plugin: str):
            def register(name: str, factory: Callable[..., Model], *, prefix: bool = False,
                         aliases: tuple[str, ...] = (), description: str = "") -> None:
                if name in self.models or name in self.model_aliases:
                    raise MentalbenchError(
                        f"plugin {plugin!r} registers model {name!r}, already registered by "
                        f"{self.models[name].plugin if name in self.models else 'an alias'}")
                self.models[name] = ModelEntry(name, factory, prefix, tuple(aliases),
                                               description, plugin)
                for alias in aliases:
                    self.model_aliases[alias] = name
            return register

        def judge_register(plugin: str):
            def register(spec: JudgeSpec, *, aliases: tuple[str, ...] = ()) -> None:
                if spec.name in self.judges:
                    raise MentalbenchError(
                        f"plugin {plugin!r} registers judge {spec.name!r}, already registered")
                self.judges[spec.name] = spec
                self.plugin_of["judge:" + spec.name] = plugin
                for alias in aliases:
                    self.judge_aliases[alias] = spec.name
            return register

        def path_register(table: dict[str, NamedPath], what: str):
            def make(plugin: str):
                def register(name: str, path: str | Path, *, description: str = "",
                             format: str | None = None) -> None:
                    if name in table:
                        raise MentalbenchError(
                            f"plugin {plugin!r} registers {what} {name!r}, already registered")
                    table[name] = NamedPath(name, Path(path), description, plugin, format)
                return register
            return make

        self._each_plugin("register_models", model_register)
        self._each_plugin("register_judges", judge_register)
        self._each_plugin("register_question_sets", path_register(self.question_sets, "question set"))
        self._each_plugin("register_rubrics", path_register(self.rubrics, "rubric"))

        def check_register(plugin: str):
            def register(check: Any, *, aliases: tuple[str, ...] = ()) -> None:
                for name in (check.name, *aliases):
                    if name in self.checks:
                        raise MentalbenchError(
                            f"plugin {plugin!r} registers check {name!r}, already registered "
                            f"by {self.plugin_of.get('check:' + name, 'another plugin')}")
                    self.checks[name] = check
                    self.plugin_of["check:" + name] = plugin
            return register

        self._each_plugin("register_checks", check_register)

    def model_entry(self, model_id: str) -> tuple[ModelEntry, str | None]:
        """The entry that handles `model_id`, and the target after its prefix (if any)."""
        name = self.model_aliases.get(model_id, model_id)
        if name in self.models and not self.models[name].prefix:
            return self.models[name], None
        prefix, sep, target = model_id.partition(":")
        entry = self.models.get(prefix)
        if sep and entry is not None and entry.prefix and target:
            return entry, target
        known = sorted([n for n, e in self.models.items() if not e.prefix]
                       + [n + ":..." for n, e in self.models.items() if e.prefix])
        raise InputError(f"unknown model {model_id!r}: expected one of {', '.join(known)}")

    def get_model(self, model_id: str, options: dict[str, Any] | None = None) -> Model:
        """Build (but do not load) the model for `model_id` with `--model-opt` style options."""
        entry, target = self.model_entry(model_id)
        cls = entry.factory
        opts = build_options(cls.options_class, dict(options or {}), model_id)
        return cls(model_id, opts, target=target)

    def judge_spec(self, judge: str, overrides: dict[str, Any] | None = None) -> JudgeSpec:
        """Resolve a judge name, alias or any model id to a JudgeSpec with overrides applied."""
        overrides = dict(overrides or {})
        name = self.judge_aliases.get(judge, judge)
        spec = self.judges.get(name)
        if spec is None:
            self.model_entry(judge)  # raises a clear error for an unknown id
            spec = JudgeSpec(name=judge, model=judge, options={"temperature": "0"})
        mode = overrides.pop("mode", spec.mode)
        if mode not in ("text", "logprobs"):
            raise InputError(f"judge option mode={mode!r}: expected text or logprobs")
        rubric = overrides.pop("rubric", spec.rubric)
        model = overrides.pop("model_id", spec.model)
        base = pinned_options(spec, overrides.get("model"))  # a pin drops the table's settings
        return dataclasses.replace(spec, model=model, mode=mode, rubric=rubric,
                                   options={**base, **overrides})

    def question_set(self, name: str) -> NamedPath | None:
        return self.question_sets.get(name)

    def rubric(self, name: str) -> NamedPath | None:
        return self.rubrics.get(name)


_registry: Registry | None = None


def get_registry(refresh: bool = False) -> Registry:
    """The process-wide registry, collected from the plugins on first use."""
    global _registry
    if _registry is None or refresh:
        _registry = Registry()
    return _registry


def get_model(model_id: str, options: dict[str, Any] | None = None) -> Model:
    """Public shortcut: a model object for `model_id` (loading happens on first use)."""
    return get_registry().get_model(model_id, options)
