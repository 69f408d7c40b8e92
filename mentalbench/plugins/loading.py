"""Loads plugins: the bundled ones, then those installed under the "mentalbench" entry point."""

from __future__ import annotations

import importlib
import importlib.metadata
import os

import pluggy

from ..version import __version__
from . import hookspecs

BUNDLED_PLUGINS = (
    "mentalbench.backends.embedded",
    "mentalbench.backends.hf.model",
    "mentalbench.backends.vllm",
    "mentalbench.backends.api.openai",
    "mentalbench.backends.api.gemini",
    "mentalbench.plugins.builtin",
    "mentalbench.checks.bundled",
)

pm = pluggy.PluginManager("mentalbench")
pm.add_hookspecs(hookspecs)

_loaded = False
_versions: dict[str, str] = {}
_problems: list[str] = []


def load_problems() -> list[str]:
    """One line per installed plugin that could not be loaded."""
    return list(_problems)


def _allowed() -> set[str] | None:
    names = os.environ.get("MENTALBENCH_LOAD_PLUGINS")
    if names is None:
        return None
    return {n.strip() for n in names.split(",") if n.strip()}


def load_entrypoints(manager: pluggy.PluginManager, allowed: set[str] | None) -> list[str]:
    """Register installed plugins; return one line for each that failed (and was skipped)."""
    failed = []
    for ep in importlib.metadata.entry_points(group="mentalbench"):
        if (allowed is not None and ep.name not in allowed) or manager.get_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
            manager.register(plugin, name=ep.name)
        except Exception as exc:  # a broken third-party plugin must not take the host down
            failed.append(f"plugin {ep.name!r} failed to load ({type(exc).__name__}: {exc}); "
                          "everything else works without it")
            continue
        if ep.dist is not None:
            _versions[ep.name] = ep.dist.version
    return failed


def load_plugins() -> pluggy.PluginManager:
    """Register bundled plugins and installed entry points once; return the manager."""
    global _loaded
    if not _loaded:
        _loaded = True
        for name in BUNDLED_PLUGINS:
            pm.register(importlib.import_module(name), name=name)
        _problems.extend(load_entrypoints(pm, _allowed()))
    return pm


def get_plugins() -> list[dict]:
    """Describe every registered plugin: name, hooks it implements, version where known."""
    load_plugins()
    out = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin)
        info = {"name": name,
                "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or [])}
        if name in _versions:
            info["version"] = _versions[name]
        elif name.startswith("mentalbench."):
            info["version"] = __version__
        out.append(info)
    return sorted(out, key=lambda d: d["name"])
