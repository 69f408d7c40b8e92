"""Plugin objects made in a test: a module holding the hook implementations given.

A module, as an installed plugin is, and hashable, as pluggy's subset hook calls need.
"""

from __future__ import annotations

import types


def plugin_double(name: str = "test-plugin", **hooks) -> types.ModuleType:
    """A module whose attributes are the given hook implementations."""
    module = types.ModuleType(name)
    for hook, impl in hooks.items():
        setattr(module, hook, impl)
    return module
