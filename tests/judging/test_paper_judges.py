"""The paper judges resolve through one dated table of retired models (issue 14.7)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.errors import InputError
from mentalbench.judging.paper_judges import (
    TABLE,
    TABLE_VARIABLE,
    judge_model_note,
    judge_models,
    load_table,
)
from mentalbench.plugins.registry import get_registry
from mentalbench.run.cost import price_for

GOOD = """\
[gpt4]
backend = "openai"
paper_model = "gpt-4-turbo"
paper_name = "GPT-4 Turbo"
replacement = "gpt-9-test"
shutdown = 2026-10-23
source = "https://example.org/deprecations"
read_on = 2026-11-30

[gpt4.settings."gpt-4-turbo"]
temperature = "0"

[gpt4.settings."gpt-9-test"]
temperature = 1
max_new_tokens = "4096"

[gpt4.settings."gpt-4o"]
temperature = "0.5"
"""


@pytest.fixture
def own_table(tmp_path, monkeypatch):
    """Point mentalbench at a table of the test's own, and rebuild the registry."""
    def use(text: str):
        path = tmp_path / "judge_models.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv(TABLE_VARIABLE, str(path))
        return path
    yield use
    monkeypatch.delenv(TABLE_VARIABLE, raising=False)
    get_registry(refresh=True)


def test_the_shipped_table_is_complete():
    table = load_table(TABLE)
    assert set(table) == {"gpt4", "gemini"}
    gpt4, gemini = table["gpt4"], table["gemini"]
    assert (gpt4.backend, gpt4.paper_model, gpt4.shutdown) == ("openai", "gpt-4-turbo",
                                                               dt.date(2026, 10, 23))
    assert (gemini.backend, gemini.paper_model) == ("gemini", "gemini-1.0-pro")
    for e in table.values():
        assert e.source.startswith("https://") and e.read_on >= e.shutdown
        assert e.options_for(e.paper_model) == {"temperature": "0"}  # the paper's setting
        assert e.replacement != e.paper_model
        # Every replacement is priced, so a dry run can say what the headline command costs.
        assert price_for(f"{e.backend}:{e.replacement}") is not None
    # Both replacements are reasoning models: default temperature and room to think.
    assert gpt4.options_for("gpt-5.6-sol") == {"temperature": "1", "max_new_tokens": "8192"}
    assert gemini.options_for("gemini-3.8-flash") == {"temperature": "1.0",
                                                       "max_new_tokens": "8192"}


def test_registered_paper_judges_follow_the_table(own_table):
    reg = get_registry(refresh=True)
    for name, entry in judge_models().items():
        assert reg.judge_spec(name) == entry.spec()
    own_table(GOOD)  # the user's file replaces the gpt4 entry and keeps the shipped gemini one
    assert get_registry(refresh=True).judge_spec("gemini") == load_table(TABLE)["gemini"].spec()
    spec = get_registry().judge_spec("gpt4")
    assert spec.model == "openai:gpt-9-test"
    assert spec.options == {"temperature": "1", "max_new_tokens": "4096"}
    model = get_registry().get_model(spec.model, spec.options)
    assert (model.api_model, model.options.temperature, model.max_tokens) == (
        "gpt-9-test", 1.0, 4096)


def test_a_pin_takes_the_pinned_models_settings_not_the_replacements(own_table):
    own_table(GOOD)
    reg = get_registry(refresh=True)

    def resolved(**overrides):
        spec = reg.judge_spec("gpt4", overrides)
        return reg.get_model(spec.model, spec.options)

    paper = resolved(model="gpt-4-turbo")
    assert (paper.api_model, paper.options.temperature, paper.max_tokens) == (
        "gpt-4-turbo", 0.0, 1024)  # the paper's settings, the default token limit
    assert resolved(model="gpt-4o").options.temperature == 0.5  # the table's row for it
    unlisted = resolved(model="gpt-4.1")
    assert (unlisted.options.temperature, unlisted.max_tokens) == (0.0, 1024)  # the paper's
    assert resolved(model="gpt-9-test").max_tokens == 4096
    assert resolved(model="gpt-4-turbo", temperature="0.3").options.temperature == 0.3
    # Judges of different models never share a cache key.
    assert paper.identity() != resolved().identity()


def test_the_note_says_which_model_judges_and_why(own_table):
    own_table(GOOD)
    reg = get_registry(refresh=True)
    note = judge_model_note(reg.judge_spec("gpt4"), today=dt.date(2026, 12, 1))
    assert note == ("gpt4: judging with openai:gpt-9-test (the paper's gpt-4-turbo was shut "
                    "down on 2026-10-23; pin it with --judge-opt model=gpt-4-turbo)")
    before = judge_model_note(reg.judge_spec("gpt4"), today=dt.date(2026, 10, 1))
    assert "the paper's gpt-4-turbo shuts down on 2026-10-23" in before
    assert judge_model_note(reg.judge_spec("gpt4", {"model": "gpt-4-turbo"}),
                            today=dt.date(2026, 12, 1)) == (
        "gpt4: judging with openai:gpt-4-turbo, the paper's model, pinned (gpt-4-turbo was "
        "shut down on 2026-10-23: only a server that still serves it will answer)")
    assert judge_model_note(reg.judge_spec("gpt4", {"model": "gpt-4o"}),
                            today=dt.date(2026, 12, 1)) == (
        "gpt4: judging with openai:gpt-4o, pinned (the paper's gpt-4-turbo was shut down on "
        "2026-10-23; its recommended replacement is gpt-9-test)")
    assert judge_model_note(reg.judge_spec("openai:gpt-4o")) is None  # not a paper judge


def test_the_shipped_note_names_the_replacement():
    spec = get_registry(refresh=True).judge_spec("gemini")
    assert judge_model_note(spec, today=dt.date(2026, 11, 30)) == (
        "gemini: judging with gemini:gemini-3.8-flash (the paper's gemini-1.0-pro was shut "
        "down on 2025-04-09; pin it with --judge-opt model=gemini-1.0-pro)")


def test_judges_command_shows_the_table():
    listed = CliRunner().invoke(cli, ["judges"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[lines.index(f"Paper judges ({TABLE}):") + 1:] == [
        "  gemini: Gemini Pro 1.0 (gemini:gemini-1.0-pro, shutdown 2025-04-09) -> "
        "gemini:gemini-3.8-flash [temperature=1.0, max_new_tokens=8192]",
        "    source: https://cloud.google.com/vertex-ai/generative-ai/docs/deprecations/"
        "gemini-1.0-pro (read 2026-11-30)",
        "  gpt4: GPT-4 Turbo (openai:gpt-4-turbo, shutdown 2026-10-23) -> openai:gpt-5.6-sol "
        "[temperature=1, max_new_tokens=8192]",
        "    source: https://developers.openai.com/api/docs/deprecations (read 2026-11-30)"]
    assert any(x.startswith("gpt4: model openai:gpt-5.6-sol, mode text") for x in lines)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("shutdown = 2026-10-23", 'shutdown = "soon"'),
     "[gpt4] field 'shutdown': expected a date (YYYY-MM-DD, unquoted)"),
    (lambda t: t.replace('backend = "openai"\n', ""),
     "[gpt4] field 'backend': expected a non-empty string"),
    (lambda t: t.replace('[gpt4.settings."gpt-9-test"]', '[gpt4.settings."other"]'),
     '[gpt4.settings."gpt-9-test"]: missing (every entry gives the options of its paper '
     "model and of its replacement)"),
    (lambda t: t.replace("https://example.org/deprecations", "see the vendor"),
     "[gpt4] field 'source': expected the URL of the vendor's page"),
    (lambda t: t.replace('temperature = "0.5"', "temperature = true"),
     '[gpt4.settings."gpt-4o"]: expected option = value pairs (strings or numbers)'),
    (lambda t: t + "oops\n", "Expected '=' after a key in a key/value pair (at line 19"),
])
def test_a_malformed_table_is_one_line(tmp_path, edit, message):
    path = tmp_path / "t.toml"
    path.write_text(edit(GOOD))
    with pytest.raises(InputError) as info:
        load_table(path)
    assert str(info.value).startswith(f"{path}: {message}") and "\n" not in str(info.value)


def test_a_malformed_table_stops_the_command_with_one_line(own_table, monkeypatch):
    path = own_table(GOOD.replace("read_on = 2026-11-30", "read_on = yesterday"))
    monkeypatch.setattr("mentalbench.plugins.registry._registry", None)  # as in a new process
    result = CliRunner().invoke(cli, ["judges"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"Error: {path}: Invalid value (at line 8, column 11)"]
