"""Docs that cannot drift: every hook documented with its signature, the CLI reference current."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

from mentalbench import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _hook_signatures():
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("register_"):
            yield name, f"### {name}({', '.join(inspect.signature(fn).parameters)})"


@pytest.mark.parametrize("name, heading", list(_hook_signatures()))
def test_every_hook_is_documented_with_its_signature(name, heading):
    text = (DOCS / "writing-plugins.md").read_text()
    assert heading in text.splitlines(), f"{heading!r} missing from docs/writing-plugins.md"


def test_cli_reference_is_current():
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (DOCS / "cli.md").read_text() == module.render(), "run: python docs/gen_cli.py"


def test_readme_starts_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make \w+", text, re.M)
    assert commands[:2] == ["make demo", "make test"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_example_plugin_in_the_docs_works(scripted, small_questions, tmp_path, monkeypatch):
    """The complete example in writing-plugins.md is real code: load it and run with it."""
    from click.testing import CliRunner

    from mentalbench.cli import cli
    from mentalbench.plugins import pm
    from mentalbench.registry import get_registry

    text = (DOCS / "writing-plugins.md").read_text()
    code = re.search(r"`mentalbench_echo\.py`:\n\n```python\n(.*?)```", text, re.S).group(1)
    (tmp_path / "mentalbench_echo.py").write_text(code)
    (tmp_path / "questions.jsonl").write_text(small_questions.read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("mentalbench_echo")
    pm.register(module, name="echo")
    try:
        get_registry(refresh=True)
        pm.hook.register_commands(cli=cli)
        runner = CliRunner()
        result = runner.invoke(cli, ["run", "-m", "echo:Hi", "--model-opt", "shout=true",
                                     "-j", "sj", "-q", "echo-set", "-o", str(tmp_path / "r")])
        assert result.exit_code == 0, result.output
        first = (tmp_path / "r" / "answers.jsonl").read_text().splitlines()[0]
        assert '"text": "HI: I PANIC BEFORE EVERY EXAM."' in first
        assert runner.invoke(cli, ["echo-hello"]).output == "hello\n"
        assert "ej" in runner.invoke(cli, ["judges"]).output
    finally:
        pm.unregister(name="echo")
        cli.commands.pop("echo-hello", None)
        get_registry(refresh=True)
