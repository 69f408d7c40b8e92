"""The layering holds: the import contracts in pyproject.toml (import-linter) are kept, and no
module is too long.

The allowed import directions are declared in pyproject.toml ([tool.importlinter]); this test
runs `lint-imports` on them, and checks that a wrong-way import is caught.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mentalbench.records.base

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "plugins" / "mentalbench-train"
PACKAGES = {"mentalbench": ROOT / "mentalbench", "mentalbench_train": PLUGIN / "mentalbench_train"}

MAX_LINES = 400
#: Modules allowed past MAX_LINES, each with the reason. None today.
LONG_MODULES: dict[str, str] = {}


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


def _lint_imports(root: Path, cwd: Path) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).with_name("lint-imports")
    if not tool.exists():
        pytest.fail("lint-imports is missing: pip install 'mentalbench[dev]' (import-linter)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "plugins" /
                                                                      "mentalbench-train")])}
    return subprocess.run([str(tool), "--no-cache", str(cwd / "pyproject.toml")], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_are_kept():
    done = _lint_imports(ROOT, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_wrong_way_import_breaks_a_contract(tmp_path):
    shutil.copytree(ROOT / "mentalbench", tmp_path / "mentalbench",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PACKAGES["mentalbench_train"],
                    tmp_path / "plugins" / "mentalbench-train" / "mentalbench_train",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    records = tmp_path / "mentalbench" / Path(mentalbench.records.base.__file__).resolve().relative_to(
        ROOT / "mentalbench")
    records.write_text(records.read_text() + "\nfrom mentalbench.run.execute import RunPlan  # noqa\n")
    done = _lint_imports(tmp_path, tmp_path)
    assert done.returncode != 0 and "BROKEN" in done.stdout
    assert "- mentalbench.records.base -> mentalbench.run.execute" in done.stdout


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_400_lines(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    if module in LONG_MODULES:
        pytest.skip(LONG_MODULES[module])
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(ROOT)}: {lines} lines"
