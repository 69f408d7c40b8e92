"""Old module paths (before the packages by stage) still import for one release, each with a
DeprecationWarning that names the new path."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
import warnings

import pytest

from mentalbench.plugins.moved import MOVED


def _is_package(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.submodule_search_locations is not None


def _public_name(module) -> str:
    return next(n for n, value in sorted(vars(module).items())
                if not n.startswith("_") and not isinstance(value, types.ModuleType))


@pytest.mark.parametrize("old, new", sorted(MOVED.items()))
def test_an_old_path_gives_the_new_module_and_names_it(old, new):
    target = importlib.import_module(new)
    name = _public_name(target)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if _is_package(old):  # the module became a package of that name: its names forward
            value = getattr(importlib.import_module(old), name)
            assert value is getattr(target, name)
        else:
            sys.modules.pop(old, None)
            assert importlib.import_module(old) is target
    messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
    assert any(f"moved to {new}" in m for m in messages), messages


def test_an_old_from_import_still_works():
    sys.modules.pop("mentalbench.scoring", None)  # relayout: keep
    with pytest.warns(DeprecationWarning, match="mentalbench.verdicts.parse"):
        from mentalbench.scoring import parse_ratings  # relayout: keep
    from mentalbench.verdicts.parse import parse_ratings as today

    assert parse_ratings is today


def test_a_name_the_old_module_never_had_is_an_attribute_error():
    store = importlib.import_module("mentalbench.store")  # relayout: keep (the package)

    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        store.no_such_name  # noqa: B018
