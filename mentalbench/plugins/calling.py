"""Calling a hook one plugin at a time, through pluggy's own calling.

Each plugin's implementation is called by a pluggy hook caller that leaves out the other
plugins' implementations, so hookwrappers (old and new style) wrap it and tryfirst/trylast order
the calls, while one plugin's failure stays its own. Bundled plugins are called first: a name a
bundled plugin registers is never taken by an installed one (the second registration is a clash).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import MentalbenchError
from .loading import BUNDLED_PLUGINS, pm


def call_order(hook: str) -> list[Any]:
    """The hook's (non-wrapper) implementations in the order they are called: bundled plugins
    first, then installed ones in pluggy's order (last registered first, tryfirst/trylast)."""
    impls = [i for i in reversed(getattr(pm.hook, hook).get_hookimpls())
             if not (i.hookwrapper or i.wrapper)]
    return sorted(impls, key=lambda i: i.plugin_name not in BUNDLED_PLUGINS)


def call_each(hook: str, kwargs_for: Callable[[str], dict[str, Any]],
              on_error: Callable[[str, Exception], None], *, input_errors_stop: bool = True
              ) -> None:
    """Call `hook` plugin by plugin with kwargs_for(plugin name); a plugin's exception goes to
    on_error (unless input_errors_stop: a MentalbenchError, which blames the user's input, then
    stops the command)."""
    impls = call_order(hook)
    for impl in impls:
        if getattr(impl.plugin, "__hash__", None) is None:
            on_error(impl.plugin_name, TypeError(
                "the plugin object is not hashable: register a module or a class instance"))
            continue
        others = [i.plugin for i in impls if i.plugin is not impl.plugin]
        caller = pm.subset_hook_caller(hook, remove_plugins=others)
        try:
            caller(**kwargs_for(impl.plugin_name))
        except Exception as exc:
            if input_errors_stop and isinstance(exc, MentalbenchError):
                raise  # a broken plugin must not take the host down
            on_error(impl.plugin_name, exc)
