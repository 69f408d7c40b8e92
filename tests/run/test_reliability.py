"""Failing loudly and losing nothing: dead endpoints stop the run, keys never reach a file or the
terminal, and a judge run killed with SIGKILL at any point resumes to the same complete result."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli

from ..processes import kill_when
from ..servers import FakeOpenAI, FaultPlan
from ..servers.fixtures import OPENAI_KEY

ROOT = Path(__file__).resolve().parent.parent.parent


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed on exit: nothing listens there


def _judge_args(url, answers, questions, out, *extra):
    return ["judge", "-a", str(answers), "-j", "gpt4", "-q", str(questions), "-o", str(out),
            "--judge-opt", f"base_url={url}", "--judge-opt", "backoff=0.05",
            "--judge-opt", "timeout=2", *extra]


@pytest.fixture
def answers(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps({"question_id": q, "model": "m", "text": f"Answer {q}."})
                            + "\n" for q in ("q1", "q2", "q3")))
    return path


def test_a_dead_endpoint_stops_the_run_with_one_line_and_exit_3(api_keys, answers,
                                                              small_questions, tmp_path):
    url = f"http://127.0.0.1:{_dead_port()}/v1"
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, _judge_args(url, answers, small_questions, out,
                                                 "--judge-opt", "unreachable_after=1",
                                                 "--judge-opt", "max_retries=50"))
    assert result.exit_code == 3
    errors = [x for x in result.output.splitlines() if x.startswith("Error:")]
    assert len(errors) == 1 and f"cannot reach {url}" in errors[0]
    rows = [json.loads(x) for x in (out / "judgments.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and {r["status"] for r in rows} == {"failed"}  # nothing false stored
    assert all("cannot reach" in r["error"] for r in rows)


def test_the_default_gives_up_on_a_dead_endpoint_well_within_a_minute():
    from mentalbench.backends.api.base import APIOptions

    assert APIOptions().unreachable_after <= 30


@pytest.mark.parametrize("opt, expected", [
    ("base_url=not-a-url", "expected an http(s) URL with a host"),
    ("base_url=ftp://host/v1", "expected an http(s) URL with a host"),
    ("temperature=-3", "temperature=-3.0"),
    ("top_p=7", "top_p=7.0"),
    ("max_tokens=-5", "max_tokens=-5"),
])
def test_bad_endpoint_options_are_refused_before_any_call(api_keys, serve, answers,
                                                          small_questions, tmp_path, opt,
                                                          expected):
    server = serve(FakeOpenAI)
    result = CliRunner().invoke(cli, _judge_args(server.url + "/v1", answers, small_questions,
                                                 tmp_path / "run", "--judge-opt", opt))
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith("Error: ") and expected in line
    assert server.stats.calls == 0 and not (tmp_path / "run").exists()


def test_keys_in_every_cli_form_and_in_urls_and_in_echoed_errors_are_never_written(
        api_keys, serve, answers, small_questions, tmp_path, monkeypatch):
    echoing = serve(FakeOpenAI, faults=FaultPlan.always("400"), echo=OPENAI_KEY)
    other = "sk-option-NEVER-ON-DISK-5555555555"
    url = echoing.url.replace("http://", "http://user:hunter2secret@") + "/v1"
    argv = _judge_args(url, answers, small_questions, tmp_path / "run",
                       f"--judge-opt=api_key={other}")
    monkeypatch.setattr("sys.argv", ["mentalbench", *argv])
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 3, result.output
    assert echoing.stats.calls == 3  # the server was reached and echoed the key in 400 bodies
    for secret in (OPENAI_KEY, other, "hunter2secret"):
        assert secret not in result.output
        for path in (tmp_path / "run").rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), (secret, path.name)
    rows = [json.loads(x) for x in (tmp_path / "run" / "judgments.jsonl").read_text()
            .splitlines()]
    assert all("HTTP 400" in r["error"] and "***" in r["error"] for r in rows)


def test_the_served_model_is_recorded_apart_from_the_asked_one(api_keys, serve, answers,
                                                               small_questions, tmp_path):
    server = serve(FakeOpenAI, served="gpt-4o-mini-2024-07-18")
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, _judge_args(server.url + "/v1", answers, small_questions,
                                                 out, "--judge-opt", "model=gpt-4o-mini"))
    assert result.exit_code == 0, result.output
    [row] = list(__import__("csv").DictReader((out / "leaderboard.csv").open()))
    assert (row["judge"], row["judge_model"], row["judge_model_served"]) == (
        "gpt4", "openai:gpt-4o-mini", "gpt-4o-mini-2024-07-18")


# -- kill -9 ------------------------------------------------------------------------------

def _answers_200(path: Path) -> Path:
    from mentalbench.inputs.resources import question_file

    rows = [json.loads(x) for x in question_file("mentalbench-200.jsonl").read_text()
            .splitlines()]
    path.write_text("".join(json.dumps({"question_id": r["id"], "model": "kill-test",
                                        "text": f"A considered answer to {r['id']}."}) + "\n"
                            for r in rows))
    return path


def _start(url, answers, out):
    env = {**os.environ, "OPENAI_API_KEY": OPENAI_KEY, "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(ROOT)}
    args = ["judge", "-a", str(answers), "-j", "gpt4", "-o", str(out), "--no-checks",
            "--judge-opt", f"base_url={url}", "--judge-opt", "max_concurrency=8",
            "--judge-opt", "backoff=0.05"]
    return subprocess.Popen([sys.executable, "-m", "mentalbench", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_sigkill_at_any_point_then_a_rerun_gives_200_scored_with_nothing_paid_twice(
        api_keys, serve, tmp_path):
    server = serve(FakeOpenAI, latency=0.02)
    url = server.url + "/v1"
    answers = _answers_200(tmp_path / "answers.jsonl")
    out = tmp_path / "run"

    def good():
        return sum(server.stats.successes.values())

    kills = 0
    for point in (30, 110):  # mid-run, twice
        assert kill_when(_start(url, answers, out), lambda p=point: good() >= p) == -9
        assert point <= good() < 200
        kills += 1
    # After every reply is in: the exports are being written (or about to be).
    proc = _start(url, answers, out)
    kill_when(proc, lambda: good() >= 200 and (out / "judgments.jsonl").exists()
               and (out / "judgments.jsonl").stat().st_mtime > time.time() - 0.5)
    kills += 1
    final = _start(url, answers, out)
    assert final.wait(120) == 0
    rows = [json.loads(x) for x in (out / "judgments.jsonl").read_text().splitlines()]
    assert len(rows) == 200 and len({r["key"] for r in rows}) == 200
    assert {r["status"] for r in rows} == {"scored"}
    answers_out = (out / "answers.jsonl").read_text().splitlines()
    assert len(answers_out) == 200
    board = (out / "leaderboard.csv").read_text().splitlines()
    assert len(board) == 2 and ",200,200,200,False," in board[1]
    repeated = sum(n - 1 for n in server.stats.successes.values() if n > 1)
    assert repeated <= 8 * kills  # at most the requests in flight at each kill
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["invocations"][-1]["exit_status"] == 0


# -- malformed 200 replies, empty answers, dry runs without keys ---------------------------

@pytest.mark.parametrize("protocol", ["openai", "gemini"])
def test_a_malformed_200_reply_is_a_failed_attempt_that_is_retried(api_keys, serve, make_model,
                                                                  protocol):
    from mentalbench.records.base import ChatRequest

    from ..servers import FakeGemini

    cls = FakeOpenAI if protocol == "openai" else FakeGemini
    server = serve(cls, faults=FaultPlan.first_attempts("odd"))
    url = server.url + ("/v1" if protocol == "openai" else "")
    model_id = "openai:gpt-4o-mini" if protocol == "openai" else "gemini:gemini-3.5-flash"
    model = make_model(model_id, base_url=url, backoff=0.001, timeout=2)
    [c] = model.generate([ChatRequest(({"role": "user", "content": "Hello?"},), key="k")])
    assert c.ok and c.text, c.error
    assert server.stats.outcomes == {"odd": 1, "ok": 1}


def test_openai_content_given_as_text_parts_is_read():
    from mentalbench.backends.api.openai import _text

    assert _text([{"type": "text", "text": "Over"}, {"type": "text", "text": "all"}]) == "Overall"


def test_empty_answers_are_counted_not_judged_unless_asked(scripted, small_questions, tmp_path):
    from .. import scripted as scripted_module

    answers = tmp_path / "a.jsonl"
    answers.write_text('{"question_id": "q1", "model": "m", "text": "Breathe slowly."}\n'
                       '{"question_id": "q2", "model": "m", "text": "   "}\n')
    args = ["judge", "-a", str(answers), "-j", "sj", "-q", str(small_questions), "-o",
            str(tmp_path / "run")]
    scripted_module.ScriptedModel.calls.clear()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3
    assert "empty answer (not judged" in result.output or "empty answer: not judged" in \
        result.output
    assert sum(n for _, n in scripted_module.ScriptedModel.calls) == 1
    rows = {r["question_id"]: r for r in map(json.loads, (tmp_path / "run" / "judgments.jsonl")
                                             .read_text().splitlines())}
    assert rows["q2"]["status"] == "empty"
    assert CliRunner().invoke(cli, [*args, "--judge-empty"]).exit_code == 0


def test_a_dry_run_needs_no_key(monkeypatch, small_questions, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["run", "-m", "openai:gpt-4o-mini", "-j", "gpt4", "-q",
                                      str(small_questions), "-o", str(tmp_path / "r"),
                                      "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "judging (gpt4)" in result.output and not (tmp_path / "r").exists()


def test_leaderboard_of_a_folder_with_nothing_judged_is_one_line(tmp_path):
    from mentalbench.store.database import Store

    (tmp_path / "run").mkdir()
    Store(tmp_path / "run" / "store.sqlite").close()
    result = CliRunner().invoke(cli, ["leaderboard", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"Error: {tmp_path / 'run'}: no judgments to rank"]


def test_a_dead_endpoint_is_named_by_the_deadline_whatever_the_backoff(make_model):
    from mentalbench.backends.api.retry import FatalAPIError
    from mentalbench.records.base import ChatRequest

    url = f"http://127.0.0.1:{_dead_port()}/v1"
    # A backoff that would wait 5-10 s, then 10-20 s: the deadline cuts each wait short.
    model = make_model("openai:gpt-4o-mini", base_url=url, backoff=10, unreachable_after=2,
                       max_retries=50)
    with pytest.raises(FatalAPIError, match=f"cannot reach {url}"):
        model.generate([ChatRequest(({"role": "user", "content": "Hi"},), key="k")])
    assert sum(model.sleeps) <= 2 + 0.05 * len(model.sleeps)  # waits, not wall time
