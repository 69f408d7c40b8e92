"""What plugins registered: models, judges, question sets and rubrics, resolved by name."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, MentalbenchError
from ..inputs.suggest import close_names, did_you_mean, either
from ..judging.paper_judges import pinned_options
from ..models.base import Model
from ..models.options import build_options
from ..records.base import JudgeSpec
from .calling import call_each
from .loading import load_plugins, load_problems, pm

#: The options of any model id used as a judge (`--judge hf:...`): greedy, for repeatable ratings.
ANY_MODEL_JUDGE_OPTIONS = {"temperature": "0"}


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
    """Collects everything the plugins register and resolves ids against it.

    A plugin whose hook fails is skipped with a warning naming it (a MentalbenchError, which
    blames the user's input, stops the command instead); a name or alias that two plugins
    register keeps its first owner, and using it is an error naming both.
    """

    def __init__(self) -> None:
        self.models: dict[str, ModelEntry] = {}
        self.model_aliases: dict[str, str] = {}
        self.judges: dict[str, JudgeSpec] = {}
        self.judge_aliases: dict[str, str] = {}
        self.question_sets: dict[str, NamedPath] = {}
        self.rubrics: dict[str, NamedPath] = {}
        self.card_sets: dict[str, NamedPath] = {}
        self.client_templates: dict[str, NamedPath] = {}
        self.checks: dict[str, Any] = {}  # name or alias -> a check object (mentalbench.checks)
        self.plugin_of: dict[str, str] = {}  # "kind:name" -> the plugin that registered it
        self.clashes: dict[str, str] = {}  # "kind:name" -> the error that using it raises
        self.warnings: list[str] = list(load_problems())
        self._collect()

    def _each_plugin(self, hook: str, make_register: Callable[[str], Callable[..., None]]) -> None:
        """Call the hook in pluggy's order; what each plugin registers is applied afterwards in
        the order the plugins were registered, so the first registered (bundled, then installed)
        owns a name whichever plugin pluggy calls first."""
        rank = {name: i for i, (name, _) in enumerate(pm.list_name_plugin())}
        pending: list[tuple[int, int, str, Callable[[], None]]] = []

        def failed(plugin: str, exc: Exception) -> None:
            self.warnings.append(f"plugin {plugin!r}: its {hook} hook failed "
                                 f"({type(exc).__name__}: {exc}); what it registered before "
                                 "failing is kept, the rest is skipped")

        def deferred(plugin: str) -> Callable[..., None]:
            register = make_register(plugin)

            def record(*args: Any, **kwargs: Any) -> None:
                pending.append((rank.get(plugin, len(rank)), len(pending), plugin,
                                functools.partial(register, *args, **kwargs)))
            return record

        call_each(hook, lambda plugin: {"register": deferred(plugin)}, failed)
        for _, _, plugin, apply in sorted(pending, key=lambda p: p[:2]):
            try:
                apply()
            except MentalbenchError:
                raise
            except Exception as exc:  # a malformed registration is the plugin's failure
                failed(plugin, exc)

    def _claim(self, kind: str, name: str, plugin: str) -> bool:
        """Take `name` for `plugin`, or record a clash with its owner (and refuse)."""
        slot = f"{kind}:{name}"
        owner = self.plugin_of.get(slot)
        if owner is None:
            self.plugin_of[slot] = plugin
            return True
        message = (f"{kind} {name!r} is registered by two plugins, {owner!r} and {plugin!r}: "
                   f"uninstall one, or ask its author to rename it")
        self.clashes[slot] = message
        self.warnings.append(message + f" ({owner!r} keeps it; using it is an error)")
        return False

    def _clash(self, kind: str, name: str) -> None:
        if f"{kind}:{name}" in self.clashes:
            raise InputError(self.clashes[f"{kind}:{name}"])

    def _collect(self) -> None:
        load_plugins()

        def model_register(plugin: str):
            def register(name: str, factory: Callable[..., Model], *, prefix: bool = False,
                         aliases: tuple[str, ...] = (), description: str = "") -> None:
                if not self._claim("model", name, plugin):
                    return
                aliases = tuple(a for a in aliases if self._claim("model", a, plugin))
                self.models[name] = ModelEntry(name, factory, prefix, aliases, description,
                                               plugin)
                self.model_aliases.update({alias: name for alias in aliases})
            return register

        def judge_register(plugin: str):
            def register(spec: JudgeSpec, *, aliases: tuple[str, ...] = ()) -> None:
                if not self._claim("judge", spec.name, plugin):
                    return
                self.judges[spec.name] = spec
                self.judge_aliases.update({a: spec.name for a in aliases
                                           if self._claim("judge", a, plugin)})
            return register

        def path_register(table: dict[str, NamedPath], kind: str):
            def make(plugin: str):
                def register(name: str, path: str | Path, *, description: str = "",
                             format: str | None = None) -> None:
                    if self._claim(kind, name, plugin):
                        table[name] = NamedPath(name, Path(path), description, plugin, format)
                return register
            return make

        def check_register(plugin: str):
            def register(check: Any, *, aliases: tuple[str, ...] = ()) -> None:
                for name in (check.name, *aliases):
                    if self._claim("check", name, plugin):
                        self.checks[name] = check
            return register

        self._each_plugin("register_models", model_register)
        self._each_plugin("register_judges", judge_register)
        self._each_plugin("register_question_sets", path_register(self.question_sets,
                                                                  "question set"))
        self._each_plugin("register_rubrics", path_register(self.rubrics, "rubric"))
        self._each_plugin("register_checks", check_register)
        self._each_plugin("register_card_sets", path_register(self.card_sets, "card set"))
        self._each_plugin("register_client_templates",
                          path_register(self.client_templates, "client template"))

    def model_entry(self, model_id: str) -> tuple[ModelEntry, str | None]:
        """The entry that handles `model_id`, and the target after its prefix (if any)."""
        self._clash("model", model_id)
        name = self.model_aliases.get(model_id, model_id)
        if name in self.models and not self.models[name].prefix:
            return self.models[name], None
        prefix, sep, target = model_id.partition(":")
        self._clash("model", prefix)
        entry = self.models.get(prefix)
        if sep and entry is not None and entry.prefix and target:
            return entry, target
        raise InputError(f"unknown model {model_id!r}{self._model_hint(model_id)}: expected one "
                         f"of {', '.join(self._model_names())}")

    def _model_names(self) -> list[str]:
        return sorted([n for n, e in self.models.items() if not e.prefix]
                      + [n + ":..." for n, e in self.models.items() if e.prefix])

    def _model_hint(self, model_id: str) -> str:
        """Did you mean: a model name or alias, or a prefix mistyped before its ':'."""
        prefix, sep, target = model_id.partition(":")
        if sep:
            close = close_names(prefix, [n for n, e in self.models.items() if e.prefix])
            return f" (did you mean {either([f'{c}:{target}' for c in close])}?)" if close else ""
        return did_you_mean(model_id, [*(n for n, e in self.models.items() if not e.prefix),
                                       *self.model_aliases])

    def get_model(self, model_id: str, options: dict[str, Any] | None = None) -> Model:
        """Build (but do not load) the model for `model_id` with `--model-opt` style options."""
        entry, target = self.model_entry(model_id)
        cls = entry.factory
        opts = build_options(cls.options_class, dict(options or {}), model_id)
        return cls(model_id, opts, target=target)

    def judge_spec(self, judge: str, overrides: dict[str, Any] | None = None) -> JudgeSpec:
        """Resolve a judge name, alias or any model id to a JudgeSpec with overrides applied."""
        overrides = dict(overrides or {})
        self._clash("judge", judge)
        name = self.judge_aliases.get(judge, judge)
        spec = self.judges.get(name)
        if spec is None:
            try:
                self.model_entry(judge)  # any model id judges too
            except InputError:
                names = sorted({*self.judges, *self.judge_aliases})
                raise InputError(
                    f"unknown judge {judge!r}{did_you_mean(judge, names)}: judges are "
                    f"{', '.join(sorted(self.judges))}, or a model id "
                    f"({', '.join(n for n in self._model_names() if n.endswith(':...'))})"
                ) from None
            spec = JudgeSpec(name=judge, model=judge, options=dict(ANY_MODEL_JUDGE_OPTIONS))
        mode = overrides.pop("mode", spec.mode)
        if mode not in ("text", "logprobs"):
            raise InputError(f"judge option mode={mode!r}: expected text or logprobs")
        rubric = overrides.pop("rubric", spec.rubric)
        model = overrides.pop("model_id", spec.model)
        base = pinned_options(spec, overrides.get("model"))  # a pin drops the table's settings
        return dataclasses.replace(spec, model=model, mode=mode, rubric=rubric,
                                   options={**base, **overrides})

    def question_set(self, name: str) -> NamedPath | None:
        self._clash("question set", name)
        return self.question_sets.get(name)

    def rubric(self, name: str) -> NamedPath | None:
        self._clash("rubric", name)
        return self.rubrics.get(name)

    def card_set(self, name: str) -> NamedPath | None:
        self._clash("card set", name)
        return self.card_sets.get(name)

    def client_template(self, name: str) -> NamedPath | None:
        self._clash("client template", name)
        return self.client_templates.get(name)

    def check(self, name: str) -> Any | None:
        self._clash("check", name)
        return self.checks.get(name)


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
