"""The layering holds: backends know nothing of runs, no import circles, no module too long.

The import graph is read from the source (`ast`), imports inside functions and under
TYPE_CHECKING included: a lazy or type-only import that closes a circle still makes two modules
depend on each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"mentalbench": ROOT / "mentalbench",
            "mentalbench_train": ROOT / "plugins" / "mentalbench-train" / "mentalbench_train"}

#: What a run is made of; a backend answers requests and must not reach into any of it.
RUN_MODULES = ("mentalbench.store", "mentalbench.runner", "mentalbench.generation",
               "mentalbench.judging", "mentalbench.leaderboard")

MAX_LINES = 400
#: Modules allowed past MAX_LINES, each with the reason. None today.
LONG_MODULES: dict[str, str] = {}

#: Circles known today, each in a module the core rewrite (issue 15) is changing. Strict: when
#: a circle is gone, its test passes unexpectedly and fails, so the entry gets removed.
KNOWN_CIRCLES: dict = {}


def _modules() -> dict[str, Path]:
    out = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules `name` imports, anywhere in its source."""
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:  # `from pkg import module` imports that module
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    resolved = set()
    for target in found:
        while target and target not in MODULES:  # `pkg.module.attr` -> `pkg.module`
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        circles.append(frozenset(group))
    return circles


def test_the_graph_is_read_right():
    assert "mentalbench.records" in GRAPH["mentalbench.backends.openai"]  # from ..records import
    assert "mentalbench.backends.api" in GRAPH["mentalbench.backends.openai"]  # from .api import
    assert "mentalbench.errors" in GRAPH["mentalbench_train.trainer"]  # absolute import
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert _circles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("backend", sorted(m for m in MODULES
                                           if m.startswith("mentalbench.backends.")))
def test_no_backend_imports_the_store_or_the_runner(backend):
    assert not GRAPH[backend] & set(RUN_MODULES), (
        f"{MODULES[backend].relative_to(ROOT)} imports {sorted(GRAPH[backend] & set(RUN_MODULES))}")


def test_no_new_import_circle():
    new = [sorted(c) for c in _circles(GRAPH) if c not in KNOWN_CIRCLES]
    assert not new, f"modules that import each other: {new}"


@pytest.mark.parametrize("circle", [
    pytest.param(circle, marks=pytest.mark.xfail(strict=True, reason=reason),
                 id="+".join(sorted(circle)))
    for circle, reason in KNOWN_CIRCLES.items()])
def test_known_circle_is_gone(circle):
    assert circle not in _circles(GRAPH)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_400_lines(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    if module in LONG_MODULES:
        pytest.skip(LONG_MODULES[module])
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(ROOT)}: {lines} lines"
