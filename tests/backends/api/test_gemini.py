"""The Gemini backend over real HTTP: a local generateContent server with latency and faults."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from mentalbench.backends.api.gemini import DEFAULT_GEMINI, to_contents
from mentalbench.backends.api.retry import FatalAPIError
from mentalbench.cli import cli
from mentalbench.errors import MentalbenchError
from mentalbench.plugins.registry import get_registry
from mentalbench.records.base import ChatRequest

from ...servers import FakeGemini, FaultPlan
from ...servers.fixtures import FAST, GEMINI_KEY
from ...servers.gemini_api import THOUGHTS

pytest.importorskip("google.genai")


def _model(make_model, server, model_id="gemini:gemini-3.5-flash", **options):
    return make_model(model_id, base_url=server.url, **{**FAST, **options})


def _requests(n):
    return [ChatRequest(({"role": "system", "content": "Be kind."},
                         {"role": "user", "content": f"Question g{i}: what now?"}), key=f"g{i}")
            for i in range(n)]


def test_messages_map_to_system_instruction_and_model_turns():
    system, contents = to_contents([
        {"role": "system", "content": "Rate fairly."}, {"role": "user", "content": "Rate this."},
        {"role": "assistant", "content": "Overall: 7"}, {"role": "user", "content": "And now?"}])
    assert system == "Rate fairly."
    assert [(c["role"], c["parts"][0]["text"]) for c in contents] == [
        ("user", "Rate this."), ("model", "Overall: 7"), ("user", "And now?")]


def test_generate_content_over_http(make_model, serve):
    server = serve(FakeGemini, latency=0.2)
    model = _model(make_model, server, max_concurrency=3, temperature=0.2, max_tokens=99,
                   top_k=40)
    done = []
    out = model.generate(_requests(7), progress=done.append)
    assert all(c.ok and f"(Question g{i}: what" in c.text for i, c in enumerate(out))
    assert sum(done) == 7 and server.stats.calls == 7
    assert 2 <= server.stats.peak_in_flight <= 3
    [path] = server.stats.paths
    assert re.fullmatch(r"/v1(beta)?/models/gemini-3\.5-flash:generateContent", path)
    assert server.stats.auth == {GEMINI_KEY: 7}  # the x-goog-api-key header
    body = server.stats.bodies[0]
    assert body["systemInstruction"]["parts"][0]["text"] == "Be kind."
    assert [c["role"] for c in body["contents"]] == ["user"]
    config = body["generationConfig"]
    assert (config["temperature"], config["maxOutputTokens"], config["topK"]) == (0.2, 99, 40)
    # Thinking tokens are billed as output, so they count as completion tokens.
    assert out[0].usage.completion_tokens == len(out[0].text) // 4 + THOUGHTS
    assert out[0].finish_reason == "stop"


@pytest.mark.parametrize("fault", ["429", "500", "503", "truncated", "disconnect", "hang"])
def test_transient_faults_are_retried(make_model, serve, fault):
    server = serve(FakeGemini, faults=FaultPlan.first_attempts(fault), hang_seconds=5)
    model = _model(make_model, server, timeout=0.5)
    out = model.generate(_requests(3))
    assert all(c.ok for c in out), [c.error for c in out]
    assert server.stats.calls == 6 and server.stats.outcomes == {fault: 3, "ok": 3}
    assert max(server.stats.successes.values()) == 1


def test_retry_delay_comes_from_the_server(make_model, serve):
    server = serve(FakeGemini, faults=FaultPlan.first_attempts("429"), retry_after="0.3")
    model = _model(make_model, server)
    assert all(c.ok for c in model.generate(_requests(2)))
    assert len(model.sleeps) == 2 and all(s >= 0.3 for s in model.sleeps)


def test_blocked_reply_and_bad_request_are_not_retried(make_model, serve):
    server = serve(FakeGemini, faults=FaultPlan.sequence(["empty", "400", "cut"]))
    model = _model(make_model, server, max_concurrency=1, max_tokens=64)
    first, second, third = model.generate(_requests(3))
    assert server.stats.calls == 3
    assert "withheld (finish reason SAFETY)" in first.error
    assert second.error.startswith("gemini:gemini-3.5-flash: HTTP 400 INVALID_ARGUMENT")
    assert "no text within max_tokens=64 (thinking counts too)" in third.error


@pytest.mark.parametrize("fault", ["401", "403", "404"])
def test_refused_key_or_unknown_model_is_fatal(make_model, serve, fault):
    server = serve(FakeGemini, faults=FaultPlan.always(fault))
    with pytest.raises(FatalAPIError) as err:
        _model(make_model, server).generate(_requests(2))
    assert GEMINI_KEY not in str(err.value) and server.stats.calls <= 2


def test_key_comes_from_gemini_then_google_variable(make_model, monkeypatch, serve):
    server = serve(FakeGemini)
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key-0123456789")
    _model(make_model, server).generate(_requests(1))
    monkeypatch.delenv("GEMINI_API_KEY")
    _model(make_model, server).generate(_requests(1))
    assert server.stats.auth == {GEMINI_KEY: 1, "google-key-0123456789": 1}
    monkeypatch.delenv("GOOGLE_API_KEY")
    with pytest.raises(MentalbenchError, match=r"^model gemini:gemini-3.5-flash needs an API "
                                               r"key: set GEMINI_API_KEY or GOOGLE_API_KEY"):
        make_model("gemini:gemini-3.5-flash").check_ready()


def test_missing_sdk_names_the_extra(make_model, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "google.genai" else real(name, *a))
    with pytest.raises(MentalbenchError, match=re.escape("pip install 'mentalbench[gemini]'")):
        make_model("gemini:gemini-3.5-flash").check()


def test_the_gemini_judge_default_and_pinning(api_keys):
    spec = get_registry().judge_spec("gemini")
    assert spec.model == f"gemini:{DEFAULT_GEMINI}"
    model = get_registry().get_model(spec.model, spec.options)
    assert model.api_model == DEFAULT_GEMINI
    pinned = get_registry().judge_spec("gemini", {"model": "gemini-3.5-flash"})
    assert get_registry().get_model(pinned.model, pinned.options).api_model == "gemini-3.5-flash"
    listed = CliRunner().invoke(cli, ["judges"]).output
    assert f"gemini: model gemini:{DEFAULT_GEMINI}, mode text" in listed
    assert "gpt4: model openai:gpt-5.6-sol, mode text" in listed  # judge_models.toml


def test_judge_command_with_gemini_end_to_end(api_keys, serve, scripted, small_questions,
                                             tmp_path):
    kinds = ["429", "503", "truncated", "missing", "hang"]
    server = serve(FakeGemini, faults=FaultPlan(
        lambda n, k, body: kinds[n % len(kinds)] if k == 0 else None), hang_seconds=3)
    run = tmp_path / "answers"
    assert CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q",
                                    str(small_questions), "-o", str(run)]).exit_code == 0
    out = tmp_path / "judged"
    args = ["judge", "-a", str(run / "answers.jsonl"), "-j", "gemini", "-q",
            str(small_questions), "-o", str(out), "--judge-opt", f"base_url={server.url}",
            "--judge-opt", "model=gemini-3.5-flash", "--judge-opt", "backoff=0.001",
            "--judge-opt", "timeout=1"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (out / "judgments.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all(None not in r["scores"].values() for r in rows)
    assert max(server.stats.successes.values()) == 1
    assert {p.split("/")[3] for p in server.stats.paths} == {
        "gemini-3.5-flash:generateContent"}
    calls = server.stats.calls
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert "(0 made this run," in again.output and server.stats.calls == calls
    manifest = json.loads((out / "manifest.json").read_text())
    [cost] = manifest["invocations"][-1]["summary"]["spend"]
    assert (cost["name"], cost["priced_as"], cost["results"]) == (
        "gemini", "gemini:gemini-3.5-flash", 3)
    assert cost["dollars"] == pytest.approx(
        (cost["prompt_tokens"] * 1.5 + cost["completion_tokens"] * 9.0) / 1e6, abs=1e-4)
    for path in out.rglob("*"):
        if path.is_file():
            assert GEMINI_KEY.encode() not in path.read_bytes(), path.name


def test_logprobs_mode_is_refused_for_gemini(api_keys, scripted, small_questions, tmp_path):
    result = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "gemini", "--judge-opt",
                                      "mode=logprobs", "-q", str(small_questions),
                                      "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: judge 'gemini': mode=logprobs needs a local model "
                                    "or an API that returns top logprobs")
