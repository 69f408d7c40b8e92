"""Mistyped names: one line with a suggestion, exit 2, and nothing left on disk."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.inputs.suggest import close_names, did_you_mean


@pytest.mark.parametrize("name, known, expected", [
    ("gtp4", ["gpt4", "gemini", "smollm2"], ["gpt4"]),
    ("gpt-4", ["gpt4", "gemini", "smollm2"], ["gpt4"]),
    ("Gemini", ["gpt4", "gemini", "smollm2"], ["gemini"]),
    ("crisis", ["crisis_referral", "no_diagnosis"], ["crisis_referral"]),
    ("zzz", ["gpt4", "gemini"], []),
])
def test_close_names(name, known, expected):
    assert close_names(name, known) == expected


def test_did_you_mean_says_nothing_without_a_close_name():
    assert did_you_mean("qqqq", ["gpt4"]) == ""
    assert did_you_mean("gtp4", ["gpt4", "gemini"]) == " (did you mean 'gpt4'?)"
    assert did_you_mean("scriptd", ["scripted", "scripted-judge", "smollm2"]) == (
        " (did you mean 'scripted' or 'scripted-judge'?)")


def _invoke(args, cwd):
    import os

    here = os.getcwd()
    os.chdir(cwd)  # a default run folder would land here: it must not appear
    try:
        return CliRunner().invoke(cli, args)
    finally:
        os.chdir(here)


def _one_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@pytest.mark.parametrize("judge, expect", [
    ("gtp4", "unknown judge 'gtp4' (did you mean 'gpt4'?): judges are gemini, gpt4"),
    ("gpt-4", "unknown judge 'gpt-4' (did you mean 'gpt4'?)"),
    ("Gemini", "unknown judge 'Gemini' (did you mean 'gemini'?)"),
    ("hf:./nope", "model hf:./nope: no such folder ./nope"),
])
@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_a_mistyped_judge_is_one_line_that_suggests(scripted, small_questions, tmp_path, judge,
                                                     expect, dry_run):
    args = ["run", "-m", "scripted", "-q", str(small_questions), "-j", judge,
            *(["--dry-run"] if dry_run else [])]
    result = _invoke(args, tmp_path)
    assert expect in _one_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.jsonl"]
    assert scripted.ScriptedModel.calls == []


@pytest.mark.parametrize("args, expect", [
    (["-m", "hf:./nope"], "model hf:./nope: no such folder ./nope"),
    (["-m", "scripted", "--rubric", "mentalgtp"], "(did you mean 'mentalgpt'?)"),
    (["-m", "scripted", "--check", "no_diagnosys"], "(did you mean 'no_diagnosis'?)"),
    (["-m", "scriptd"], "unknown model 'scriptd' (did you mean 'scripted', "),
    (["-m", "opnai:gpt-4o"], "unknown model 'opnai:gpt-4o' (did you mean 'openai:gpt-4o'?)"),
])
def test_other_mistyped_names_suggest_too(scripted, small_questions, tmp_path, args, expect):
    result = _invoke(["run", "-q", str(small_questions), "-j", "sj", *args], tmp_path)
    assert expect in _one_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.jsonl"]


def test_a_mistyped_question_set_suggests(scripted, tmp_path):
    result = _invoke(["run", "-m", "scripted", "-j", "sj", "-q", "mentalbench-20"], tmp_path)
    assert "(did you mean 'mentalbench-200'?)" in _one_error(result)
    assert list(tmp_path.iterdir()) == []


def test_paths_where_one_is_expected_suggest_quoting_the_glob(scripted, small_questions,
                                                              tmp_path):
    for name in ("a.jsonl", "b.jsonl", "c.jsonl"):
        (tmp_path / name).write_text("")
    result = _invoke(["judge", "-q", str(small_questions), "-j", "sj", "--answers", "a.jsonl",
                      "b.jsonl", "c.jsonl"], tmp_path)
    line = _one_error(result)
    assert "got 2 extra arguments (b.jsonl, ...)" in line
    assert "unquoted glob" in line and "Quote it (--answers 'answers/*.jsonl')" in line


def test_a_model_that_fails_to_load_leaves_no_folder(small_questions, tmp_path):
    from mentalbench.plugins.loading import load_plugins, pm
    from mentalbench.plugins.registry import get_registry

    from .. import slow

    load_plugins()
    pm.register(slow, name="slow-test-plugin")
    get_registry(refresh=True)
    try:
        out = tmp_path / "run"
        result = _invoke(["run", "-m", "slow", "--model-opt", "broken_weights=true", "-j",
                          "slow-judge", "-q", str(small_questions), "--no-checks", "-o",
                          str(out)], tmp_path)
        assert "cannot load its weights" in _one_error(result)
        assert not out.exists()
    finally:
        pm.unregister(name="slow-test-plugin")
        get_registry(refresh=True)


@pytest.fixture
def judged_run(scripted, small_questions, tmp_path):
    out = tmp_path / "run"
    made = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q",
                                    str(small_questions), "-o", str(out)])
    assert made.exit_code == 0, made.output
    return out


@pytest.mark.parametrize("args, expect", [
    (["--baseline", "scriptd"], "--baseline scriptd: not a model in the runs (did you mean "
                                "'scripted'?)"),
    (["--metric", "empathy"], "--metric empathy: not a metric of rubric mentalgpt (did you "
                              "mean 'empathy_validation'?)"),
    (["--judge", "scripted-judg"], "(did you mean 'scripted-judge'?)"),
])
def test_report_names_suggest_and_write_nothing(judged_run, tmp_path, args, expect):
    pytest.importorskip("matplotlib")
    result = CliRunner().invoke(cli, ["report", str(judged_run), "-o", str(tmp_path / "rep"),
                                      *args])
    assert expect in _one_error(result)
    assert not (tmp_path / "rep").exists()
