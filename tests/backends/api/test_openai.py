"""The OpenAI backend over real HTTP: a local chat.completions server with latency and faults."""

from __future__ import annotations

import json
import math
import re

import pytest
from click.testing import CliRunner

from mentalbench.backends.api.retry import FatalAPIError
from mentalbench.cli import cli
from mentalbench.errors import MentalbenchError
from mentalbench.records.base import ChatRequest

from ...servers import FakeOpenAI, FaultPlan, rating
from ...servers.fixtures import FAST, OPENAI_KEY

pytest.importorskip("openai")


def _model(make_model, server, **options):
    return make_model("openai:gpt-4o-mini", base_url=server.url + "/v1", **{**FAST, **options})


def _requests(n, prefix="q"):
    return [ChatRequest(({"role": "system", "content": "Be kind."},
                         {"role": "user", "content": f"Question {prefix}{i}: how do I cope?"}),
                        key=f"{prefix}{i}") for i in range(n)]


def _cli(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


# -- the protocol ------------------------------------------------------------------------

def test_requests_run_concurrently_under_the_limit_in_order(make_model, serve):
    server = serve(FakeOpenAI, latency=0.2)
    model = _model(make_model, server, max_concurrency=4, temperature=0.3, max_tokens=77)
    done = []
    out = model.generate(_requests(12), progress=done.append)
    assert all(f"(Question q{i}: how" in c.text for i, c in enumerate(out))
    assert all(c.ok and c.usage.completion_tokens > 0 and c.finish_reason == "stop" for c in out)
    assert sum(done) == 12 and len(done) == 12  # progress once per finished request
    assert server.stats.calls == 12
    assert 2 <= server.stats.peak_in_flight <= 4
    body = server.stats.bodies[0]
    assert (body["model"], body["temperature"], body["max_tokens"]) == ("gpt-4o-mini", 0.3, 77)
    assert body["messages"][0] == {"role": "system", "content": "Be kind."}
    assert "top_k" not in body and "logprobs" not in body
    assert server.stats.auth == {f"Bearer {OPENAI_KEY}": 12}


def test_identical_requests_in_flight_are_sent_once(make_model, serve):
    server = serve(FakeOpenAI)
    model = _model(make_model, server)
    reqs = _requests(2)
    done = []
    out = model.generate([reqs[0], reqs[1], reqs[0], reqs[0]], progress=done.append)
    assert server.stats.calls == 2
    assert out[0] == out[2] == out[3] and out[0].text != out[1].text
    assert sum(done) == 4


@pytest.mark.parametrize("fault", ["429", "500", "503", "truncated", "disconnect", "hang"])
def test_transient_faults_are_retried_until_a_good_reply(make_model, serve, fault):
    server = serve(FakeOpenAI, faults=FaultPlan.first_attempts(fault, times=2),
                   hang_seconds=5)
    model = _model(make_model, server, timeout=0.5)
    out = model.generate(_requests(3))
    assert all(c.ok for c in out), [c.error for c in out]
    assert server.stats.calls == 9 and server.stats.outcomes == {fault: 6, "ok": 3}
    assert max(server.stats.successes.values()) == 1  # no good reply asked for twice
    assert len(model.sleeps) == 6


def test_retry_after_is_honoured(make_model, serve):
    server = serve(FakeOpenAI, faults=FaultPlan.first_attempts("429"), retry_after="0.3")
    model = _model(make_model, server)
    assert all(c.ok for c in model.generate(_requests(2)))
    assert len(model.sleeps) == 2 and all(s >= 0.3 for s in model.sleeps)


def test_bad_request_is_not_retried_and_becomes_an_error(make_model, serve):
    server = serve(FakeOpenAI, faults=FaultPlan.always("400"))
    [c] = _model(make_model, server).generate(_requests(1))
    assert server.stats.calls == 1
    assert not c.ok and c.text == ""
    assert c.error.startswith("openai:gpt-4o-mini: HTTP 400") and "attempts" not in c.error


def test_content_filter_is_an_error_without_retry(make_model, serve):
    server = serve(FakeOpenAI, faults=FaultPlan.always("empty"))
    [c] = _model(make_model, server).generate(_requests(1))
    assert server.stats.calls == 1 and "content filter" in c.error


def test_reply_cut_at_the_token_limit_is_an_error_without_retry(make_model, serve):
    server = serve(FakeOpenAI, faults=FaultPlan.always("cut"))
    [c] = _model(make_model, server, max_tokens=50).generate(_requests(1))
    assert server.stats.calls == 1
    assert c.error == ("openai:gpt-4o-mini: no text within max_tokens=50 (reasoning counts "
                       "too): raise max_tokens")


def test_a_refused_setting_stops_the_run(make_model, serve):
    server = serve(FakeOpenAI, faults=FaultPlan.always("400"), error_param="temperature")
    with pytest.raises(FatalAPIError, match="the server refused the setting 'temperature'"):
        _model(make_model, server).generate(_requests(2))
    assert server.stats.calls <= 2


def test_token_limit_field_follows_the_server():
    from mentalbench.backends.api.openai import token_limit_field

    assert token_limit_field(None) == "max_completion_tokens"
    assert token_limit_field("https://api.openai.com/v1") == "max_completion_tokens"
    assert token_limit_field("http://127.0.0.1:8000/v1") == "max_tokens"


def test_lasting_failure_becomes_an_error_after_max_retries(make_model, serve):
    server = serve(FakeOpenAI, faults=FaultPlan.always("503"))
    [c] = _model(make_model, server, max_retries=3).generate(_requests(1))
    assert server.stats.calls == 4
    assert c.error == ("openai:gpt-4o-mini: HTTP 503: The engine is currently overloaded, "
                       "please try again later. (after 4 attempts)")


@pytest.mark.parametrize("fault, words", [("401", "refused the API key"),
                                          ("403", "refused the API key"),
                                          ("404", "pin another with the model option")])
def test_refused_key_or_unknown_model_stops_the_run(make_model, serve, fault, words):
    server = serve(FakeOpenAI, faults=FaultPlan.always(fault))
    with pytest.raises(FatalAPIError, match=words) as err:
        _model(make_model, server, max_retries=5).generate(_requests(3))
    assert isinstance(err.value, MentalbenchError) and OPENAI_KEY not in str(err.value)
    assert server.stats.calls <= 3  # never retried


def test_missing_key_is_one_line_before_any_work(make_model, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    model = make_model("openai:gpt-4o")
    with pytest.raises(MentalbenchError, match=r"^model openai:gpt-4o needs an API key: "
                                               r"set OPENAI_API_KEY \(or pass the api_key "
                                               r"option\)$"):
        model.check_ready()
    model.check()  # a dry run needs no key


def test_missing_key_on_the_command_line(api_keys, scripted, monkeypatch, small_questions,
                                        tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY")
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "gpt4", "-q",
                                      str(small_questions), "-o", str(out)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Error: model openai:gpt-5.6-sol needs an API key: set OPENAI_API_KEY (or pass the "
        "api_key option)"]
    assert not out.exists()


def test_missing_sdk_names_the_extra(make_model, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "openai" else real(name, *a))
    with pytest.raises(MentalbenchError, match=re.escape("pip install 'mentalbench[openai]'")):
        make_model("openai:gpt-4o").check()


def test_cache_key_ignores_how_the_api_is_reached(make_model):
    a = make_model("openai:gpt-4o", max_concurrency=4, timeout=30, base_url="http://a/v1")
    b = make_model("openai:gpt-4o", max_concurrency=64, max_retries=1, api_key="other")
    c = make_model("openai:gpt-4-turbo", model="gpt-4o", max_tokens=1024)
    d = make_model("openai:gpt-4o", temperature=0)
    assert a.identity() == b.identity() == c.identity() != d.identity()
    assert "api_key" not in json.dumps(a.identity()) and "other" not in json.dumps(b.identity())


# -- judging end to end through the command line -----------------------------------------

def _run_args(server, out, questions, *extra):
    url = server.url + "/v1"
    return ["run", "-m", "openai:gpt-4o-mini", "-j", "gpt4", "-q", str(questions),
            "-o", str(out), "--model-opt", f"base_url={url}", "--judge-opt", f"base_url={url}",
            "--model-opt", "backoff=0.001", "--judge-opt", "backoff=0.001",
            "--model-opt", "timeout=1", "--judge-opt", "timeout=1", *extra]


def _judgments(out):
    return [json.loads(x) for x in (out / "judgments.jsonl").read_text().splitlines()]


def test_faulty_server_every_answer_ends_scored_and_nothing_is_paid_twice(
        api_keys, serve, small_questions, tmp_path):
    kinds = ["429", "500", "503", "truncated", "hang", "missing", "disconnect"]
    # Deterministic: the first attempt of each distinct request meets one fault, by turns.
    plan = FaultPlan(lambda n, k, body: kinds[n % len(kinds)] if k == 0 else None)
    server = serve(FakeOpenAI, faults=plan, hang_seconds=3)
    out = tmp_path / "run"
    result = _cli(_run_args(server, out, small_questions))
    assert result.exit_code == 0, result.output
    rows = _judgments(out)
    assert len(rows) == 3 and all(None not in r["scores"].values() for r in rows)
    assert all(not r.get("error") for r in rows)
    assert max(server.stats.successes.values()) == 1  # no good reply requested twice
    assert sum(server.stats.outcomes.values()) == server.stats.calls
    calls = server.stats.calls
    again = _cli(_run_args(server, out, small_questions))
    assert "answers: 3 (0 new); judgments: 3 of 3 scored (0 made this run," in again.output
    assert server.stats.calls == calls  # the rerun makes zero calls


def test_scores_come_from_the_judges_text_by_metric_name(api_keys, serve, small_questions,
                                                        tmp_path):
    server = serve(FakeOpenAI)
    out = tmp_path / "run"
    assert _cli(_run_args(server, out, small_questions)).exit_code == 0
    answers = {a["question_id"]: a for a in map(json.loads, (out / "answers.jsonl")
                                                .read_text().splitlines())}
    names = {"overall": "Overall", "active_listening": "Active Listening",
             "empathy_validation": "Empathy & Validation"}
    for row in _judgments(out):
        text = answers[row["question_id"]]["text"]
        for key, name in names.items():
            assert row["scores"][key] == rating(name, text)


def test_missing_metrics_get_one_repair_request(api_keys, serve, small_questions, tmp_path):
    server = serve(FakeOpenAI, faults=FaultPlan(
        lambda n, k, body: "missing" if body["messages"][0]["content"].startswith("You are a fair")
        and len(body["messages"]) == 2 else None))
    out = tmp_path / "run"
    assert _cli(_run_args(server, out, small_questions)).exit_code == 0
    assert server.stats.calls == 3 + 3 + 3  # answers, first verdicts, one repair each
    repairs = [b for b in server.stats.bodies if len(b["messages"]) == 4]
    assert len(repairs) == 3
    assert all("did not give a usable rating" in b["messages"][3]["content"] for b in repairs)
    rows = _judgments(out)
    assert all(None not in r["scores"].values() for r in rows)
    assert all("[repair]" in r["raw"] for r in rows)


def test_failed_answers_are_errors_never_scores_and_a_rerun_retries_them(
        api_keys, serve, small_questions, tmp_path):
    broken = {"on": True}
    server = serve(FakeOpenAI, faults=FaultPlan(
        lambda n, k, body: "500" if broken["on"] and "dog died" in json.dumps(body) else None))
    out = tmp_path / "run"
    args = _run_args(server, out, small_questions, "--model-opt", "max_retries=1")
    assert _cli(args).exit_code == 3
    rows = {r["question_id"]: r for r in _judgments(out)}
    assert rows["q2"]["status"] == "unanswered" and rows["q2"]["scores"] == {}
    assert "HTTP 500" in rows["q2"]["error"] and "after 2 attempts" in rows["q2"]["error"]
    assert None not in rows["q1"]["scores"].values()
    broken["on"] = False
    calls = server.stats.calls
    result = _cli(args)
    assert "answers: 3 (1 new); judgments: 3 of 3 scored (1 made this run," in result.output
    assert server.stats.calls == calls + 2  # one answer, one judgment: nothing else again
    assert all(None not in r["scores"].values() for r in _judgments(out))


def test_keys_never_reach_the_run_directory(api_keys, serve, small_questions, tmp_path,
                                            monkeypatch):
    server = serve(FakeOpenAI)
    other = "sk-option-NEVER-ON-DISK-987654321"
    monkeypatch.setattr("sys.argv", ["mentalbench", "run", "--judge-opt", f"api_key={other}"])
    out = tmp_path / "run"
    result = _cli(_run_args(server, out, small_questions, "--judge-opt", f"api_key={other}"))
    assert result.exit_code == 0, result.output
    assert server.stats.auth == {f"Bearer {OPENAI_KEY}": 3, f"Bearer {other}": 3}
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"store.sqlite", "manifest.json", "judgments.jsonl",
                                       "answers.jsonl", "leaderboard.csv"}
    for path in files:
        data = path.read_bytes()
        assert OPENAI_KEY.encode() not in data and other.encode() not in data, path.name
    assert OPENAI_KEY not in result.output and other not in result.output


def test_a_refused_key_stops_the_run_with_one_line(api_keys, serve, small_questions, tmp_path):
    server = serve(FakeOpenAI, faults=FaultPlan.always("401"))
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, _run_args(server, out, small_questions))
    assert result.exit_code == 3
    [line] = [x for x in result.output.splitlines() if x.startswith("Error:")]
    assert line.startswith(f"Error: openai:gpt-4o-mini at {server.url}/v1: the server refused "
                           "the API key (HTTP 401")
    assert OPENAI_KEY not in result.output
    assert server.stats.calls <= 16  # the requests in flight when the first refusal came


def test_pinned_model_and_manifest_spend(api_keys, serve, small_questions, tmp_path):
    server = serve(FakeOpenAI)
    out = tmp_path / "run"
    result = _cli(_run_args(server, out, small_questions, "--judge-opt", "model=gpt-4o"))
    assert result.exit_code == 0
    judge_bodies = [b for b in server.stats.bodies if b["messages"][0]["content"]
                    .startswith("You are a fair")]
    assert {b["model"] for b in judge_bodies} == {"gpt-4o"} and len(judge_bodies) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    answering, judging = manifest["invocations"][-1]["summary"]["spend"]
    assert (answering["stage"], answering["priced_as"]) == ("answering", "openai:gpt-4o-mini")
    assert (judging["name"], judging["priced_as"], judging["results"]) == (
        "gpt4", "openai:gpt-4o", 3)
    stored = [j["usage"] for j in _judgments(out)]
    assert judging["prompt_tokens"] == sum(u["prompt_tokens"] for u in stored) > 0
    assert judging["dollars"] == pytest.approx(
        (judging["prompt_tokens"] * 2.5 + judging["completion_tokens"] * 10) / 1e6, abs=1e-4)
    assert judging["new_results"] == 3
    assert "judging (gpt4): this run: 3 calls" in result.output


# -- scoring modes -----------------------------------------------------------------------

def test_logprobs_mode_reads_the_rating_tokens(api_keys, serve, small_questions, tmp_path):
    server = serve(FakeOpenAI)
    out = tmp_path / "run"
    assert _cli(_run_args(server, out, small_questions, "--judge-opt", "mode=logprobs")
                ).exit_code == 0
    judged = [b for b in server.stats.bodies if b.get("logprobs")]
    assert len(judged) == 3 and all(b["top_logprobs"] == 20 for b in judged)
    answers = {a["question_id"]: a["text"] for a in map(
        json.loads, (out / "answers.jsonl").read_text().splitlines())}
    for row in _judgments(out):
        assert row["mode"] == "logprobs"
        r = rating("Overall", answers[row["question_id"]])
        near = [v for v in (r - 1, r + 1) if 1 <= v <= 10]
        dist = {r: 0.7, **{v: 0.3 / len(near) for v in near}}
        mean = sum(v * p for v, p in dist.items())
        assert row["scores"]["overall"] == pytest.approx(mean, abs=1e-3)
        spread = math.sqrt(sum(p * (v - mean) ** 2 for v, p in dist.items()))
        assert row["spread"]["overall"] == pytest.approx(spread, abs=1e-3)


def test_samples_ask_k_times_and_keep_the_median(api_keys, serve, small_questions, tmp_path):
    server = serve(FakeOpenAI)
    out = tmp_path / "run"
    result = _cli(_run_args(server, out, small_questions, "--judge-opt", "samples=3",
                            "--judge-opt", "temperature=0.7"))
    assert result.exit_code == 0, result.output
    judge_calls = [b for b in server.stats.bodies if b["messages"][0]["content"]
                   .startswith("You are a fair")]
    assert len(judge_calls) == 9
    for row in _judgments(out):
        assert row["raw"].count("[sample ") == 3
        assert None not in row["scores"].values()
        assert set(row["spread"].values()) == {0.0}  # the fake judge never changes its mind
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["invocations"][-1]["judges"][0]["samples"] == 3
    again = _cli(_run_args(server, out, small_questions, "--judge-opt", "samples=3",
                           "--judge-opt", "temperature=0.7"))
    assert "(0 made this run," in again.output


def test_bad_samples_value_is_refused(api_keys, scripted, small_questions, tmp_path):
    result = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "gpt4", "--judge-opt",
                                      "samples=0", "-q", str(small_questions),
                                      "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert result.output.strip() == ("Error: judge 'gpt4': option samples='0': expected a "
                                     "whole number >= 1")
