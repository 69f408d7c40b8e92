"""Issue 11's findings, re-run as commands: results never lost, mixed or silently partial."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.models.base import adapter_label

from .. import scripted as scripted_module
from ..doubles import plugin_double


def _run(args, code=0):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code, result.output
    return result


def _board(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _merged(*dirs):
    out = _run(["leaderboard", *map(str, dirs), "-o", "-", "--format", "csv"]).output
    return list(csv.DictReader(io.StringIO(out)))


@pytest.fixture
def qs(small_questions):
    return str(small_questions)


def test_a_second_judge_into_the_same_out_keeps_the_first(scripted, qs, tmp_path):
    out = str(tmp_path / "run")
    _run(["run", "-m", "scripted", "-j", "sj", "-q", qs, "-o", out])
    answers = tmp_path / "run" / "answers.jsonl"
    _run(["judge", "-a", str(answers), "-j", "scripted-judge", "--judge-opt",
          "model_id=scripted", "-q", qs, "-o", out])
    board = _board(tmp_path / "run" / "leaderboard.csv")
    assert sorted(r["judge_model"] for r in board) == ["scripted", "scripted-judge"]
    rows = [json.loads(x) for x in (tmp_path / "run" / "judgments.jsonl").read_text().splitlines()]
    assert len(rows) == 6
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert [i["command"].split()[1] if len(i["command"].split()) > 1 else "" for i in
            manifest["invocations"]] and len(manifest["invocations"]) == 2
    shown = _run(["leaderboard", out, "-o", "-", "--format", "csv"]).output
    assert shown.count("\n") == 3  # header + both judges


def test_two_configurations_of_one_model_in_one_folder_get_labels_that_tell_them_apart(
        scripted, qs, tmp_path):
    out = str(tmp_path / "run")
    _run(["run", "-m", "scripted", "-j", "sj", "-q", qs, "-o", out])
    _run(["run", "-m", "scripted", "--model-opt", "max_new_tokens=12", "-j", "sj", "-q", qs,
          "-o", out])
    board = _board(tmp_path / "run" / "leaderboard.csv")
    assert len(board) == 2
    labels = sorted(r["model"] for r in board)
    assert all(label.startswith("scripted@") for label in labels) and labels[0] != labels[1]
    assert {r["n_total"] for r in board} == {"3"}


def test_an_adapter_run_is_labelled_with_the_adapter(tmp_path):
    from mentalbench.plugins.registry import get_registry

    adapter = tmp_path / "smoke"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    model = get_registry().get_model("hf:/nowhere", {"adapter": str(adapter)})
    label = model.label()
    assert label.startswith("hf:/nowhere+smoke@") and len(label.split("@")[1]) == 8
    assert adapter_label("smollm2", None, None) == "smollm2"


def test_merging_never_pools_identities_and_ranks_partial_rows_last(scripted, qs, tmp_path,
                                                                   small_questions):
    other_set = tmp_path / "other.jsonl"
    other_set.write_text(small_questions.read_text().replace("exam", "test"))
    _run(["run", "-m", "scripted", "-j", "sj", "-q", qs, "-o", str(tmp_path / "full")])
    _run(["run", "-m", "scripted", "-j", "sj", "--judge-opt", "model_id=scripted", "-q", qs,
          "-o", str(tmp_path / "pinned")])
    _run(["run", "-m", "scripted", "-j", "sj", "-q", qs, "-n", "1", "-o",
          str(tmp_path / "partial")])
    _run(["run", "-m", "scripted", "-j", "sj", "-q", str(other_set), "-o",
          str(tmp_path / "other")])
    board = _merged(*(tmp_path / d for d in ("partial", "full", "pinned", "other")))
    key = [(r["judge_model"], r["question_set"], r["n_total"], r["partial"]) for r in board]
    assert ("scripted-judge", "q", "3", "False") in key  # full and partial are one answer set:
    assert ("scripted", "q", "3", "False") in key  # pinned judge model: its own row
    assert ("scripted-judge", "other", "3", "False") in key  # another question set
    assert len(board) == 3
    # the partial run's question is the full run's first: one judgment, counted once


def test_a_question_failed_in_one_folder_and_judged_in_another_counts_once(scripted, qs,
                                                                         tmp_path):
    _run(["run", "-m", "scripted", "-j", "sj", "--judge-opt", "fail_on=dog", "-q", qs, "-o",
          str(tmp_path / "a")], code=3)
    _run(["run", "-m", "scripted", "-j", "sj", "-q", qs, "-o", str(tmp_path / "b")])
    [row] = _merged(tmp_path / "a", tmp_path / "b")
    assert (row["n_total"], row["n_scored"], row["partial"]) == ("3", "3", "False")
    [alone] = _merged(tmp_path / "a")
    assert (alone["n_total"], alone["n_scored"]) == ("3", "2")


def test_answers_files_repeat_and_glob_and_judge_limit(scripted, qs, tmp_path):
    for name, text in (("alpha", "Slow breaths help."), ("beta", "Talk to a friend.")):
        rows = [{"question_id": q, "model": name, "text": f"{text} ({q})"}
                for q in ("q1", "q2", "q3")]
        (tmp_path / "answers").mkdir(exist_ok=True)
        (tmp_path / "answers" / f"{name}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows))
    _run(["judge", "-a", str(tmp_path / "answers" / "*.jsonl"), "-j", "sj", "-q", qs, "--limit", "2",
          "-o", str(tmp_path / "out")])
    board = _board(tmp_path / "out" / "leaderboard.csv")
    assert sorted((r["model"], r["n_total"], r["n_questions"]) for r in board) == [
        ("alpha", "2", "3"), ("beta", "2", "3")]
    bad = CliRunner().invoke(cli, ["judge", "-a", str(tmp_path / "nothing-*.jsonl"), "-q", qs])
    assert bad.exit_code == 2 and "matches no file" in bad.output


def test_judge_options_can_go_to_one_judge(scripted, qs, tmp_path):
    from mentalbench.plugins.registry import get_registry
    from mentalbench.run.resolve import resolve_judges

    get_registry()
    a, b = resolve_judges(["sj", "scripted"], {"temperature": "0.5", "sj.seed": "7"}, None)
    assert (a.model.options.seed, b.model.options.seed) == (7, 0)
    assert a.model.options.temperature == b.model.options.temperature == 0.5
    result = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "--judge-opt",
                                      "sj.no_such_option=1", "-q", qs, "-o", str(tmp_path)])
    assert result.exit_code == 2 and "unknown option 'no_such_option'" in result.output


def test_judge_help_names_the_default_judge():
    out = _run(["judge", "--help"]).output
    assert "default: smollm2" in out


def test_without_a_terminal_progress_is_plain_lines_and_summaries_are_not_wrapped(
        scripted, qs, tmp_path, monkeypatch):
    monkeypatch.setenv("MENTALBENCH_PROGRESS_SECONDS", "1e-9")  # every step says so
    result = _run(["run", "-m", "scripted", "--name", "x" * 120, "-j", "sj", "-q", qs, "-o",
                   str(tmp_path)])
    lines = result.output.splitlines()
    assert any(line.startswith("answering (" + "x" * 120 + "): 1/3 (33%)") for line in lines)
    assert any(line.startswith("judging (scripted-judge): 3/3 (100%)") for line in lines)
    spend = [line for line in lines
             if line.startswith("answering (" + "x" * 120 + "): this run: 3 calls")]
    assert len(spend) == 1 and "total stored: 3 results" in spend[0]  # one line, however long


def _hold(out, started, release):
    from mentalbench.store.folder import RunDirLock

    with RunDirLock(out):
        started.set()
        release.wait(10)


def test_a_second_run_on_a_held_folder_exits_2_naming_the_first(scripted, qs, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    ctx = multiprocessing.get_context("spawn")
    started, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(out, started, release))
    holder.start()
    try:
        assert started.wait(30)
        result = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q", qs, "-o",
                                          str(out)])
        assert result.exit_code == 2
        assert f"PID {holder.pid}" in result.output and "--wait" in result.output
        assert not (out / "store.sqlite").exists()
    finally:
        release.set()
        holder.join(10)
    # Once the first run is gone, --wait takes the lock and runs.
    _run(["run", "-m", "scripted", "-j", "sj", "-q", qs, "-o", str(out), "--wait"])
    assert (out / "store.sqlite").is_file()


def test_the_seven_metric_mean_sorts_and_overall_is_documented_as_the_judges_own():
    from mentalbench.cli.leaderboard import leaderboard_cmd

    assert "partial" in leaderboard_cmd.help.lower()
    doc = (__import__("pathlib").Path(__file__).parent.parent.parent / "docs" / "cli.md").read_text()
    assert "metrics_mean" in doc and "overall" in doc


def test_a_plugin_alias_that_clashes_is_an_error_naming_both(scripted, qs, tmp_path):

    from mentalbench import hookimpl
    from mentalbench.plugins.loading import pm
    from mentalbench.plugins.registry import get_registry

    plugin = plugin_double(register_models=hookimpl(
        lambda register: register("tiny", scripted_module.ScriptedModel, aliases=("smollm2",))))
    pm.register(plugin, name="clashing-plugin")
    get_registry(refresh=True)
    try:
        result = CliRunner().invoke(cli, ["run", "-m", "smollm2", "-j", "sj", "-q", qs, "-o",
                                          str(tmp_path)])
        assert result.exit_code == 2
        error = [ln for ln in result.output.splitlines() if ln.startswith("Error:")][0]
        assert "'mentalbench.backends.embedded'" in error and "'clashing-plugin'" in error
        ok = CliRunner().invoke(cli, ["run", "-m", "tiny", "-j", "sj", "-q", qs, "-o",
                                      str(tmp_path / "ok")])
        assert ok.exit_code == 0, ok.output  # everything else works
        assert "Warning: model 'smollm2' is registered by two plugins" in ok.output
    finally:
        pm.unregister(name="clashing-plugin")
        get_registry(refresh=True)
