"""Docs that cannot drift: hook signatures, a current CLI reference, links that resolve."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

from mentalbench.plugins import hookspecs

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
    """docs/cli.md holds mentalbench's own commands, whichever plugins are installed."""
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (DOCS / "cli.md").read_text() == module.render(), "run: python docs/gen_cli.py"


def _markdown_files():
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


#: [text](target) in markdown, outside code; the target up to a space, ) or #.
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s#]*)(?:#[^)\s]*)?\)")


def _links(text: str):
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    for target in LINK.findall(text):
        if target and not re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, mailto: ...
            yield target


@pytest.mark.parametrize("doc", _markdown_files(), ids=lambda p: p.name)
def test_relative_links_point_at_files_that_exist(doc):
    missing = [t for t in _links(doc.read_text()) if not (doc.parent / t).exists()]
    assert not missing, f"{doc.relative_to(ROOT)} links to missing files: {missing}"


def test_the_link_check_sees_links():
    text = ("See [a](docs/a.md#part), [b](b.md), [web](https://x.org), `[c](c.md)`."
            "\n```\n[d](d)\n```")
    assert list(_links(text)) == ["docs/a.md", "b.md"]


def test_the_readme_index_lists_every_doc():
    index = (ROOT / "README.md").read_text().split("## Documentation", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\]\(docs/([^)#]+)\)", index))
    docs = {p.name for p in DOCS.glob("*.md")}
    assert docs - listed == set(), "add them to the README's Documentation section"


def test_python_m_mentalbench_can_be_imported_again_by_a_worker():
    """vLLM's and torch's spawned workers import the main module again (docs/backends.md)."""
    import runpy

    runpy.run_module("mentalbench", run_name="__mp_main__")  # the command must not run


def test_readme_starts_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make \w+", text, re.M)
    assert commands[:2] == ["make demo", "make test"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_example_plugin_in_the_docs_works(scripted, tmp_path, monkeypatch):
    """The complete example in writing-plugins.md is real code and data: load it and run with it."""
    from click.testing import CliRunner

    from mentalbench.cli import cli
    from mentalbench.plugins.loading import pm
    from mentalbench.plugins.registry import get_registry

    text = (DOCS / "writing-plugins.md").read_text()
    code = re.search(r"`mentalbench_echo\.py`:\n\n```python\n(.*?)```", text, re.S).group(1)
    (tmp_path / "mentalbench_echo.py").write_text(code)
    questions = re.search(r"`questions\.jsonl`, beside the module.*?```json\n(.*?)```", text,
                          re.S).group(1)
    (tmp_path / "questions.jsonl").write_text(questions)
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


def test_the_plugin_api_names_in_the_docs_are_the_modules():
    import mentalbench.api

    text = (DOCS / "writing-plugins.md").read_text()
    listed = text.split("<!-- api-names -->", 1)[1].split("<!-- /api-names -->", 1)[0]
    names = re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", listed)
    assert set(names) == set(mentalbench.api.__all__)
    assert all(hasattr(mentalbench.api, n) for n in names)


def _gen_tables():
    spec = importlib.util.spec_from_file_location("gen_tables", DOCS / "gen_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_tables_are_current(monkeypatch):
    """Option, judge, extras and exit-status tables come from the code and pyproject.toml."""
    monkeypatch.delenv("MENTALBENCH_JUDGE_MODELS", raising=False)
    gen = _gen_tables()
    stale = [p.name for p in DOCS.glob("*.md")
             if gen.render(p.read_text(encoding="utf-8")) != p.read_text(encoding="utf-8")]
    assert stale == [], "run: python docs/gen_tables.py"
    marked = {name for p in DOCS.glob("*.md") for name in gen.marked(p.read_text())}
    assert marked == set(gen.TABLES)  # every table is somewhere in the docs


def test_an_option_without_a_meaning_stops_the_table_generator(monkeypatch):
    gen = _gen_tables()
    monkeypatch.delitem(gen.MEANINGS["APIOptions"], "timeout")
    with pytest.raises(SystemExit, match=r"APIOptions: say what these options mean: \['timeout'\]"):
        gen.options_table("APIOptions")
