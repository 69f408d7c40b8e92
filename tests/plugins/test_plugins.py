"""Plugin loading and every hook, exercised the way a third-party plugin would use it."""

from __future__ import annotations

import importlib.metadata
import json

import click
import pluggy
import pytest
from click.testing import CliRunner

from mentalbench import hookimpl
from mentalbench.cli import cli
from mentalbench.errors import InputError
from mentalbench.plugins import hookspecs
from mentalbench.plugins.loading import load_entrypoints, pm
from mentalbench.plugins.registry import get_registry
from mentalbench.records.base import JudgeSpec

from ..doubles import plugin_double


def _hooks() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("register_"))


def test_every_hook_has_a_test():
    """datasette's habit: a hook without a test_hook_<name> here fails the suite."""
    names = set(globals())
    missing = [h for h in _hooks() if f"test_hook_{h}" not in names]
    assert missing == []


def test_hook_register_models(scripted):
    reg = get_registry()
    assert reg.models["scripted"].plugin == "scripted-test-plugin"
    model = reg.get_model("scripted-alias", {"max_new_tokens": "7"})
    assert model.options.max_new_tokens == 7
    out = CliRunner().invoke(cli, ["models"])
    assert "scripted (aliases: scripted-alias) - test double: scripted answers" in out.output


def test_hook_register_judges(scripted):
    spec = get_registry().judge_spec("sj", {"mode": "logprobs"})
    assert (spec.name, spec.model, spec.mode) == ("scripted-judge", "scripted-judge", "logprobs")
    out = CliRunner().invoke(cli, ["judges"])
    assert "scripted-judge (aliases: sj): model scripted-judge, mode text" in out.output


def _register(plugin, name):
    pm.register(plugin, name=name)
    get_registry(refresh=True)


def _unregister(name):
    pm.unregister(name=name)
    get_registry(refresh=True)


def test_hook_register_question_sets(scripted, small_questions, tmp_path):
    plugin = plugin_double(register_question_sets=hookimpl(
        lambda register: register("tiny", small_questions, description="three questions")))
    _register(plugin, "qs-plugin")
    try:
        out = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q", "tiny",
                                       "-o", str(tmp_path / "run")])
        assert out.exit_code == 0, out.output
        rows = [json.loads(x) for x in (tmp_path / "run" / "answers.jsonl").read_text().splitlines()]
        assert [r["question_id"] for r in rows] == ["q1", "q2", "q3"]
        listed = CliRunner().invoke(cli, ["questions", "list"])
        assert "tiny: three questions" in listed.output
    finally:
        _unregister("qs-plugin")


def test_hook_register_rubrics(scripted, small_questions, tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "rubric.toml").write_text(
        'name = "two"\n[scale]\nmin = 1\nmax = 5\n'
        '[[metrics]]\nkey = "warmth"\nname = "Warmth"\n'
        '[[metrics]]\nkey = "accuracy"\nname = "Accuracy"\n')
    (folder / "system.j2").write_text("You are a fair judge.")
    (folder / "prompt.j2").write_text(
        "=== BEGIN RESPONSE TO EVALUATE ===\n{{ answer }}\n"
        "{% for m in metrics %}{{ m.name }}: [[rating]]\n{% endfor %}")
    plugin = plugin_double(register_rubrics=hookimpl(
        lambda register: register("two", folder, description="two metrics")))
    _register(plugin, "rubric-plugin")
    try:
        out = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q",
                                       str(small_questions), "--rubric", "two",
                                       "-o", str(tmp_path / "run")])
        assert out.exit_code == 0, out.output
        header = (tmp_path / "run" / "leaderboard.csv").read_text().splitlines()[0].split(",")
        assert header[9:12] == ["warmth", "accuracy", "metrics_mean"]
        assert "active_listening" not in header
    finally:
        _unregister("rubric-plugin")


def test_hook_register_card_sets(scripted, tmp_path):
    cards = tmp_path / "mine.toml"
    cards.write_text('[[cards]]\nid = "t1"\ntopic = "Anxiety"\nproblem = "p"\n'
                     'stance = "hostile"\nstyle = "terse"\nopening = "what"\n'
                     'script = ["fine.", "whatever."]\n'
                     '[cards.persona]\nage = "20-29"\nsituation = "s"\nbackground = "b"\n')
    plugin = plugin_double(register_card_sets=hookimpl(
        lambda register: register("mine", cards, description="one card")))
    _register(plugin, "cards-plugin")
    try:
        assert "mine: one card" in CliRunner().invoke(cli, ["cards", "list"]).output
        out = CliRunner().invoke(cli, ["run", "-m", "scripted", "--cards", "mine", "--client",
                                       "scripted", "--turns", "2", "-j", "sj",
                                       "-o", str(tmp_path / "run")])
        assert out.exit_code == 0, out.output
        row = json.loads((tmp_path / "run" / "transcripts.jsonl").read_text())
        assert row["card_set"] == "mine" and row["messages"][2]["content"] == "fine."
    finally:
        _unregister("cards-plugin")


def test_hook_register_client_templates(tmp_path):
    folder = tmp_path / "blunt"
    folder.mkdir()
    (folder / "client.toml").write_text('end_marker = "<<bye>>"\n')
    (folder / "system.j2").write_text("Play {{ card.id }} ({{ card.stance }}), turn {{ turn }} "
                                      "of {{ turns }}; end with {{ end_marker }}.")
    plugin = plugin_double(register_client_templates=hookimpl(
        lambda register: register("blunt", folder, description="short")))
    _register(plugin, "client-plugin")
    try:
        assert "blunt: short" in CliRunner().invoke(cli, ["clients", "list"]).output
        shown = CliRunner().invoke(cli, ["clients", "show", "blunt", "mbc-001", "--turn", "3"])
        assert shown.output == "Play mbc-001 (ambivalent), turn 3 of 4; end with <<bye>>.\n"
    finally:
        _unregister("client-plugin")


def test_hook_register_commands():
    @click.command(name="hello-plugin")
    def hello():
        """Say hello from a plugin."""
        click.echo("hello from a plugin")

    plugin = plugin_double(register_commands=hookimpl(lambda cli: cli.add_command(hello)))
    pm.register(plugin, name="cmd-plugin")
    try:
        pm.hook.register_commands(cli=cli)
        result = CliRunner().invoke(cli, ["hello-plugin"])
        assert result.output == "hello from a plugin\n"
    finally:
        pm.unregister(name="cmd-plugin")
        cli.commands.pop("hello-plugin", None)


def test_hook_register_checks():
    from mentalbench.checks import Check, resolve_checks
    from mentalbench.records.base import CheckResult

    class NoShouting(Check):
        """Fails an answer written in capitals."""

        name = "no_shouting"
        description = "the answer is not written in capitals"

        def evaluate(self, question, answer):
            return CheckResult("fail" if answer.isupper() else "pass", reason="case")

    plugin = plugin_double(register_checks=hookimpl(
        lambda register: register(NoShouting(), aliases=("quiet",))))
    _register(plugin, "shout-plugin")
    try:
        reg = get_registry()
        assert reg.checks["no_shouting"] is reg.checks["quiet"]
        assert reg.plugin_of["check:no_shouting"] == "shout-plugin"
        assert [c.name for c in resolve_checks(["quiet"])] == ["no_shouting"]
        listed = CliRunner().invoke(cli, ["checks"]).output
        version = reg.checks["no_shouting"].version
        assert (f"no_shouting (aliases: quiet) {version}: the answer is not written in capitals "
                f"[shout-plugin]") in listed.splitlines()
        out = CliRunner().invoke(cli, ["checks", "run", "--question", "Hi", "--answer", "HELLO",
                                       "--check", "quiet"])
        assert out.output == "no_shouting: fail - case\n"
    finally:
        _unregister("shout-plugin")


def test_clashing_check_names_are_refused_naming_both_plugins():
    from mentalbench.checks.crisis import CrisisReferral

    plugin = plugin_double(register_checks=hookimpl(
        lambda register: register(CrisisReferral())))
    pm.register(plugin, name="check-clash")
    try:
        reg = get_registry(refresh=True)
        with pytest.raises(InputError, match="check 'crisis_referral' is registered by two "
                                             "plugins, 'mentalbench.checks.bundled' and "
                                             "'check-clash'"):
            reg.check("crisis_referral")
    finally:
        pm.unregister(name="check-clash")
        get_registry(refresh=True)


def test_clashing_names_keep_their_first_owner_and_using_them_names_both(scripted):
    plugin = plugin_double(
        register_models=hookimpl(lambda register: register("scripted", object)),
        register_judges=hookimpl(lambda register: register(
            JudgeSpec("sj-2", "scripted"), aliases=("sj",))))
    pm.register(plugin, name="clash")
    try:
        reg = get_registry(refresh=True)
        assert reg.models["scripted"].plugin == "scripted-test-plugin"
        with pytest.raises(InputError, match="model 'scripted' is registered by two plugins, "
                                             "'scripted-test-plugin' and 'clash'"):
            reg.get_model("scripted")
        with pytest.raises(InputError, match="judge 'sj' is registered by two plugins"):
            reg.judge_spec("sj")
        assert reg.judge_spec("sj-2").model == "scripted"  # what does not clash works
        assert len([w for w in reg.warnings if "two plugins" in w]) == 2
    finally:
        pm.unregister(name="clash")
        get_registry(refresh=True)


def test_a_hook_that_raises_is_a_warning_naming_the_plugin(scripted, small_questions, tmp_path):
    def explode(register):
        register("fine-model", scripted.ScriptedModel)
        raise RuntimeError("bad data file")

    plugin = plugin_double(register_models=hookimpl(explode))
    pm.register(plugin, name="exploding")
    try:
        reg = get_registry(refresh=True)
        assert "fine-model" in reg.models
        result = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q",
                                          str(small_questions), "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert ("Warning: plugin 'exploding': its register_models hook failed (RuntimeError: "
                "bad data file)") in result.output
    finally:
        pm.unregister(name="exploding")
        get_registry(refresh=True)


def test_unknown_model_lists_known_ones(scripted):
    with pytest.raises(InputError, match=r"unknown model 'nope'.*hf:\.\.\..*smollm2"):
        get_registry().get_model("nope")


class _EP:
    def __init__(self, name, loader):
        self.name, self._loader, self.dist = name, loader, None

    def load(self):
        return self._loader()


def _fresh_manager():
    manager = pluggy.PluginManager("mentalbench")
    manager.add_hookspecs(hookspecs)
    return manager


def _broken():
    raise ImportError("no module named 'missing_dependency'")


def test_broken_plugin_is_named_and_the_rest_loads(monkeypatch):
    good = plugin_double(register_models=hookimpl(lambda register: None))
    eps = [_EP("broken-plugin", _broken), _EP("good-plugin", lambda: good)]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: eps)
    manager = _fresh_manager()
    failed = load_entrypoints(manager, None)
    assert failed == ["plugin 'broken-plugin' failed to load (ImportError: no module named "
                      "'missing_dependency'); everything else works without it"]
    assert manager.get_plugin("good-plugin") is good


def test_load_plugins_env_restricts(monkeypatch):
    a = plugin_double(register_models=hookimpl(lambda register: None))
    b = plugin_double(register_models=hookimpl(lambda register: None))
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group: [_EP("a", lambda: a), _EP("b", lambda: b)])
    manager = _fresh_manager()
    load_entrypoints(manager, {"b"})
    assert manager.get_plugin("a") is None and manager.get_plugin("b") is b


def test_plugins_command_lists_hooks_and_versions(scripted):
    rows = json.loads(CliRunner().invoke(cli, ["plugins"]).stdout)
    by_name = {r["name"]: r for r in rows}
    assert by_name["mentalbench.plugins.builtin"]["hooks"] == [
        "register_card_sets", "register_client_templates", "register_judges",
        "register_question_sets", "register_rubrics"]
    assert by_name["mentalbench.backends.hf.model"]["version"]
    assert by_name["scripted-test-plugin"]["hooks"] == ["register_judges", "register_models"]


def test_registration_imports_no_heavy_library():
    """Plugins register without importing torch, transformers or SDKs (cheap start-up)."""
    import subprocess
    import sys

    code = ("import sys, mentalbench.cli as c; from mentalbench.plugins.registry import get_registry; "
            "get_registry(); heavy = [m for m in ('torch', 'transformers', 'vllm', 'openai', "
            "'google.genai', 'trl', 'peft') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_judge_spec_from_any_model_id(scripted):
    spec = get_registry().judge_spec("scripted", {"max_new_tokens": "5"})
    assert spec == JudgeSpec("scripted", "scripted", {"temperature": "0", "max_new_tokens": "5"})


def test_hooks_go_through_pluggy_so_wrappers_and_tryfirst_work(scripted):
    seen: list[str] = []

    def early(register):
        seen.append("early")
        register("early-model", scripted.ScriptedModel)

    def late(register):
        seen.append("late")

    def around(register):
        seen.append("wrapper in")
        result = yield
        seen.append("wrapper out")
        return result

    plugins = {"late-plugin": plugin_double(register_models=hookimpl(late)),
               "early-plugin": plugin_double(register_models=hookimpl(tryfirst=True)(early)),
               "wrapping-plugin": plugin_double(register_models=hookimpl(wrapper=True)(around))}
    for name, plugin in plugins.items():
        pm.register(plugin, name=name)
    try:
        seen.clear()
        reg = get_registry(refresh=True)
        mine = [s for s in seen if s in ("early", "late")]
        assert mine == ["early", "late"]  # tryfirst is called first though registered later
        assert seen.count("wrapper in") == seen.count("wrapper out") >= 2  # wraps each call
        assert reg.models["early-model"].plugin == "early-plugin"
    finally:
        for name in plugins:
            pm.unregister(name=name)
        get_registry(refresh=True)


def test_a_bundled_name_stays_bundled_even_when_an_installed_plugin_is_called_first(scripted):
    plugin = plugin_double(register_models=hookimpl(tryfirst=True)(
        lambda register: register("smollm2", scripted.ScriptedModel)))
    pm.register(plugin, name="eager")
    try:
        reg = get_registry(refresh=True)
        assert reg.models["smollm2"].plugin == "mentalbench.backends.embedded"
        assert any("'mentalbench.backends.embedded' and 'eager'" in w for w in reg.warnings)
    finally:
        pm.unregister(name="eager")
        get_registry(refresh=True)
