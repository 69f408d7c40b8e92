"""The command line: help everywhere, runs, resume, and one-line errors with exit status 2."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from mentalbench.cli import cli

from .. import scripted as scripted_module


def _all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in _all_commands(cli)], ids=" ".join)
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    cmd = dict(_all_commands(cli))[path]
    assert cmd.help and cmd.help.strip(), f"{' '.join(path)} has no help text"
    assert "Usage: cli " + " ".join(path) in result.output


def _run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_run_writes_every_export(scripted, small_questions, tmp_path):
    out = tmp_path / "run"
    result = _run(["run", "-m", "scripted", "-j", "sj", "-q", str(small_questions), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Leaderboard: {out / 'leaderboard.csv'}" in result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "answers.jsonl", "checks.jsonl", "judgments.jsonl", "leaderboard.csv", "manifest.json",
        "store.sqlite"]
    answers = _rows(out / "answers.jsonl")
    questions = _rows(small_questions)
    assert sorted(a["text"] for a in answers) == sorted(
        f"answer to {q['text'][:30]}" for q in questions)
    judgments = _rows(out / "judgments.jsonl")
    assert {j["judge"] for j in judgments} == {"scripted-judge"}
    assert {j["status"] for j in judgments} == {"scored"}
    manifest = json.loads((out / "manifest.json").read_text())
    [inv] = manifest["invocations"]
    assert inv["exit_status"] == 0 and inv["summary"]["scored"] == 3
    assert inv["questions"]["selected"] == 3 and len(inv["questions"]["sha256"]) == 16
    assert manifest["counts"]["judgments"] == {"scored": 3}
    header, row = (out / "leaderboard.csv").read_text().splitlines()[:2]
    assert header.startswith("model,judge,judge_model,rubric,question_set,n_questions,n_total,"
                             "n_scored,partial,active_listening,")
    assert row.startswith("scripted,scripted-judge,scripted-judge,mentalgpt,q,3,3,3,False,")


def test_rerun_does_no_work(scripted, small_questions, tmp_path):
    args = ["run", "-m", "scripted", "-j", "sj", "-q", str(small_questions), "-o", str(tmp_path)]
    _run(args)
    first = (tmp_path / "leaderboard.csv").read_text()
    scripted_module.ScriptedModel.calls.clear()
    result = _run(args)
    assert scripted_module.ScriptedModel.calls == []
    assert "answers: 3 (0 new); judgments: 3 of 3 scored (0 made this run," in result.output
    assert (tmp_path / "leaderboard.csv").read_text() == first
    assert len(json.loads((tmp_path / "manifest.json").read_text())["invocations"]) == 2


def test_interrupted_run_resumes_without_redoing(scripted, small_questions, tmp_path,
                                                 monkeypatch):
    args = ["run", "-m", "scripted", "-j", "sj", "-q", str(small_questions), "-o", str(tmp_path),
            "--model-opt", "max_new_tokens=9"]
    original = scripted_module.ScriptedModel.generate

    def interrupted(self, requests, progress=None):
        if self.model_id == "scripted-judge":
            raise KeyboardInterrupt
        return original(self, requests, progress)

    monkeypatch.setattr(scripted_module.ScriptedModel, "generate", interrupted)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 130
    assert f"Interrupted: finished work is stored in {tmp_path}" in result.output
    history = json.loads((tmp_path / "manifest.json").read_text())["invocations"]
    assert [h["exit_status"] for h in history] == [130]
    monkeypatch.setattr(scripted_module.ScriptedModel, "generate", original)
    scripted_module.ScriptedModel.calls.clear()
    result = _run(args)
    assert "answers: 3 (0 new); judgments: 3 of 3 scored (3 made this run," in result.output
    # Only the judge was called on resume: answers were stored before the interruption.
    assert {m for m, _ in scripted_module.ScriptedModel.calls} == {"scripted-judge"}


def test_ctrl_c_in_judge_exits_130_with_the_resume_hint(scripted, small_questions, tmp_path,
                                                       monkeypatch):
    answers = tmp_path / "a.jsonl"
    answers.write_text('{"question_id": "q1", "model": "m", "text": "Breathe."}\n')

    def interrupted(self, requests, progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(scripted_module.ScriptedModel, "generate", interrupted)
    result = CliRunner().invoke(cli, ["judge", "-a", str(answers), "-j", "sj", "-q",
                                      str(small_questions), "-o", str(tmp_path / "j")])
    assert result.exit_code == 130
    assert "run the same command again to resume" in result.output
    assert "Aborted" not in result.output


def test_failed_answers_are_counted_exit_3_and_retried(scripted, small_questions, tmp_path):
    args = ["run", "-m", "scripted", "-j", "sj", "-q", str(small_questions), "-o", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--model-opt", "fail_on=dog"])
    assert result.exit_code == 3
    assert ("unscored or failed: 1 of 3; most common cause (1): no answer: scripted failure on "
            "dog") in result.output
    row = (tmp_path / "leaderboard.csv").read_text().splitlines()[1].split(",")
    assert row[5:9] == ["3", "3", "2", "True"]  # n_questions, n_total, n_scored, partial
    failed = [j for j in _rows(tmp_path / "judgments.jsonl") if j["status"] != "scored"]
    assert [(j["status"], j["error"]) for j in failed] == [
        ("unanswered", "no answer: scripted failure on dog")]
    allowed = CliRunner().invoke(cli, [*args, "--model-opt", "fail_on=dog", "--allow-unscored"])
    assert allowed.exit_code == 0


def test_unparsed_verdicts_are_unscored_not_zero_and_exit_3(scripted, small_questions, tmp_path):
    result = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "--judge-opt",
                                      "verdict=garbage", "-q", str(small_questions), "-o",
                                      str(tmp_path)])
    assert result.exit_code == 3
    assert "judge scripted-judge: unscored (no usable rating)" in result.output
    row = (tmp_path / "leaderboard.csv").read_text().splitlines()[1].split(",")
    assert row[6:9] == ["3", "0", "True"] and row[9:17] == [""] * 8
    # The raw text is kept, including the one repair request that also failed.
    raws = {j["raw"] for j in _rows(tmp_path / "judgments.jsonl")}
    assert raws == {"I cannot rate this.\n\n[repair]\nI cannot rate this."}


def test_judge_existing_answers_keeps_repeats_as_samples(scripted, small_questions, tmp_path):
    answers = tmp_path / "model_answer.jsonl"
    answers.write_text(
        '{"question_id": "q1", "answer_id": "x", "model_id": "someone", '
        '"choices": [{"index": 0, "turns": ["Breathe slowly."]}]}\n'
        '{"question_id": "q1", "answer_id": "y", "model_id": "someone", '
        '"choices": [{"index": 0, "turns": ["A second generation."]}]}\n'
        '{"question_id": "q1", "answer_id": "z", "model_id": "someone", '
        '"choices": [{"index": 0, "turns": ["Breathe slowly."]}]}\n'
        '{"question_id": "q3", "answer_id": "w", "model_id": "someone", '
        '"choices": [{"index": 0, "turns": ["Say no kindly."]}]}\n')
    result = _run(["judge", "-a", str(answers), "-j", "sj", "-q", str(small_questions),
                   "-o", str(tmp_path / "j")])
    assert result.exit_code == 0, result.output
    assert (f"{answers}: 1 answer rows repeat an earlier answer to the same question word for "
            "word: dropped") in result.output
    assert "UserWarning" not in result.output
    rows = _rows(tmp_path / "j" / "judgments.jsonl")
    assert sorted((r["question_id"], r["sample"], r["model"]) for r in rows) == [
        ("q1", 0, "someone"), ("q1", 1, "someone"), ("q3", 0, "someone")]
    row = (tmp_path / "j" / "leaderboard.csv").read_text().splitlines()[1].split(",")
    assert row[5:9] == ["3", "2", "2", "True"]  # n counts questions, not samples


def test_leaderboard_merges_runs(scripted, small_questions, tmp_path):
    for name in ("a", "b"):
        _run(["run", "-m", "scripted", "--name", f"model-{name}", "-j", "sj",
              "-q", str(small_questions), "-o", str(tmp_path / name)])
    merged = tmp_path / "all.csv"
    result = _run(["leaderboard", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(merged)])
    assert result.exit_code == 0
    lines = merged.read_text().splitlines()
    assert len(lines) == 3 and {ln.split(",")[0] for ln in lines[1:]} == {"model-a", "model-b"}
    manifest = json.loads((tmp_path / "all.csv.manifest.json").read_text())
    assert [s["path"] for s in manifest["sources"]] == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert all(len(s["store_sha256"]) == 16 for s in manifest["sources"])


def test_leaderboard_to_stdout_in_each_format(scripted, small_questions, tmp_path):
    _run(["run", "-m", "scripted", "-j", "sj", "-q", str(small_questions), "-o", str(tmp_path)])
    csv_out = _run(["leaderboard", str(tmp_path), "-o", "-", "--format", "csv"]).output
    assert csv_out.startswith("model,judge,") and not (tmp_path.parent / "-").exists()
    assert json.loads(_run(["leaderboard", str(tmp_path), "--format", "json"]).output)[0][
        "model"] == "scripted"
    assert _run(["leaderboard", str(tmp_path)]).output.split()[0] == "model"


def test_answers_judged_again_through_judge_count_once_when_merged(scripted, small_questions,
                                                                 tmp_path):
    _run(["run", "-m", "scripted", "-j", "sj", "-q", str(small_questions), "-o",
          str(tmp_path / "a")])
    result = _run(["judge", "-a", str(tmp_path / "a" / "answers.jsonl"), "-j", "sj",
                   "-q", str(small_questions), "-o", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    first, again = (_rows(tmp_path / d / "judgments.jsonl") for d in "ab")
    assert {r["key"] for r in first}.isdisjoint(r["key"] for r in again)  # keyed apart...
    merged = _run(["leaderboard", str(tmp_path / "a"), str(tmp_path / "b"), "-o", "-",
                   "--format", "csv"]).output
    header, row = merged.splitlines()
    assert row.startswith("scripted,scripted-judge,scripted-judge,mentalgpt,q,3,3,3,False")


def test_questions_validate_bundled():
    result = _run(["questions", "validate"])
    assert result.exit_code == 0
    assert result.output.endswith("questions (native format)\n")


def _error(args, tmp_path):
    result = CliRunner().invoke(cli, args)
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    return result.exit_code, lines


@pytest.mark.parametrize("content, expected", [
    ('{"id": "a", "text": "fine"}\n{"id": "b", "text": \n', r"q\.jsonl:2: not valid JSON"),
    ('{"id": "a", "text": ""}\n', r"q\.jsonl:1: field 'text': expected a non-empty string"),
])
def test_validate_names_file_line_and_field(tmp_path, content, expected):
    path = tmp_path / "q.jsonl"
    path.write_text(content)
    code, lines = _error(["questions", "validate", str(path)], tmp_path)
    assert code == 2
    assert len(lines) == 1
    assert __import__("re").search(expected, lines[0])


@pytest.mark.parametrize("case", ["broken-json", "csv-no-text", "unknown-model", "missing-extra",
                                  "bad-option", "bad-judge-mode", "out-is-a-file",
                                  "unknown-judge-prefix", "temperature-range"])
def test_bad_input_is_one_line_exit_2_and_nothing_written(scripted, small_questions, tmp_path,
                                                           monkeypatch, case):
    out = tmp_path / "run"
    qs, model, extra = str(small_questions), "scripted", []
    if case == "broken-json":
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"id": "a", "text": "ok"}\n{oops\n')
        qs, expect = str(bad), "bad.jsonl:2: not valid JSON"
    elif case == "csv-no-text":
        bad = tmp_path / "bad.csv"
        bad.write_text("questionID,topic\n1,Anxiety\n")
        qs, expect = str(bad), "bad.csv:1: no text column: expected 'questionText'"
    elif case == "unknown-model":
        model, expect = "nonesuch", "unknown model 'nonesuch'"
    elif case == "missing-extra":
        import importlib.util
        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda name, *a: None if name == "transformers" else real(name, *a))
        model, expect = "hf:/nowhere", "pip install 'mentalbench[hf]'"
    elif case == "bad-option":
        extra, expect = ["--model-opt", "max_new_tokens=lots"], "max_new_tokens='lots'"
    elif case == "out-is-a-file":
        out = tmp_path / "file"
        out.write_text("x")
        expect = "is a file, expected a folder"
    elif case == "unknown-judge-prefix":
        extra, expect = ["--judge-opt", "gpt4.base_url=http://x"], "no judge 'gpt4' in this run"
    elif case == "temperature-range":
        extra, expect = ["--judge-opt", "temperature=-3"], "temperature=-3.0"
    else:
        extra, expect = ["--judge-opt", "mode=vibes"], "mode='vibes': expected text or logprobs"
    code, lines = _error(["run", "-m", model, "-j", "sj", "-q", qs, "-o", str(out), *extra],
                         tmp_path)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expect in lines[0], lines
    assert not out.exists() or out.is_file()


def test_secrets_never_reach_the_run_directory(scripted, small_questions, tmp_path, monkeypatch):
    secret = "sk-test-DO-NOT-STORE-42"
    monkeypatch.setattr("sys.argv", ["mentalbench", "run", "--model-opt", f"api_key={secret}"])
    result = _run(["run", "-m", "scripted", "--model-opt", f"api_key={secret}", "-j", "sj",
                   "--judge-opt", f"api_key={secret}", "-q", str(small_questions),
                   "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path.name
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["invocations"][0]["arguments"]["model_opt"]["api_key"] == "***"


def test_a_module_missing_at_any_command_is_one_line_naming_the_extra():
    from mentalbench.cli import Group

    @click.group(cls=Group)
    def host():
        """A host group."""

    @host.command()
    @click.argument("module")
    def needs(module):
        """Import a module that is not installed."""
        raise ModuleNotFoundError(f"No module named {module!r}", name=module)

    for module, line in (
            ("google.genai", "Error: 'host needs' needs the 'google' package: "
                             "pip install 'mentalbench[gemini]'"),
            ("scipy", "Error: 'host needs' needs the 'scipy' package: "
                      "pip install 'mentalbench[report]'"),
            ("not_a_dependency", "Error: 'host needs' needs the 'not_a_dependency' package, "
                                 "which is not installed: pip install not_a_dependency")):
        result = CliRunner().invoke(host, ["needs", module])
        assert (result.exit_code, result.output) == (2, line + "\n")
    ours = CliRunner().invoke(host, ["needs", "mentalbench.gone"])
    assert isinstance(ours.exception, ModuleNotFoundError)  # our own bug is not disguised
