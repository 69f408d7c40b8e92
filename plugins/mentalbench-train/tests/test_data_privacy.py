"""The privacy guard refuses remote models before any network call; scrubbing and its counts."""

from __future__ import annotations

import json
import socket

import pytest
from click.testing import CliRunner
from mentalbench_train.data.privacy import (
    PrivacyError,
    Scrubber,
    guard,
    is_loopback,
    remote_reason,
)

try:
    from . import data_doubles as doubles
except ImportError:
    import data_doubles as doubles


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection or resolve a name is recorded and fails."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network use in a test that must make none")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def transcripts(tmp_path):
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "t1.txt").write_text("Therapist: How are you managing?\nCaregiver: Barely. My "
                                   "mother asks for her late husband every night.\f"
                                   "Therapist: What helps?\nCaregiver: Walks, sometimes.\n")
    return folder


@pytest.mark.parametrize("url, local", [
    ("http://127.0.0.1:8000/v1", True), ("http://localhost/v1", True), ("127.0.0.5", True),
    ("http://[::1]:9000", True), ("https://api.openai.com/v1", False),
    ("http://10.0.0.1/v1", False), ("http://localhost.example.com", False),
])
def test_loopback(url, local):
    assert is_loopback(url) is local


def test_remote_reasons():
    assert "openai API" in remote_reason("openai:gpt-4o", {})
    assert "gemini API" in remote_reason("gemini:gemini-2.5-flash", {})
    assert remote_reason("smollm2", {}) is None
    assert remote_reason("hf:/models/x", {}) is None
    assert "api.example.com" in remote_reason("scripted-data",
                                              {"base_url": "https://api.example.com"})
    assert remote_reason("scripted-data", {"base_url": "http://127.0.0.1:9/v1"}) is None
    # An API backend registered under another name is caught by where its class lives.
    from mentalbench.backends.api.openai import OpenAIModel
    assert "remote API backend" in remote_reason("my-gpt", {}, OpenAIModel)
    # API backends stay remote on loopback too (an environment proxy may carry the text on).
    assert "remote API backend" in remote_reason("my-gpt", {"base_url": "http://127.0.0.1:9/v1"},
                                                 OpenAIModel)
    assert "openai API" in remote_reason("openai:x", {"base_url": "http://127.0.0.1:9/v1"})
    with pytest.raises(PrivacyError, match="refusing to send transcripts off this machine"):
        guard("openai:gpt-4o", {}, allow_remote=False, what="transcripts")
    guard("openai:gpt-4o", {}, allow_remote=True, what="transcripts")


@pytest.mark.parametrize("args", [
    ["--model", "openai:gpt-4o"],
    ["--model", "gemini:gemini-2.5-flash"],
    ["--model", "openai:gpt-4o", "--model-opt", "base_url=http://127.0.0.1:9/v1"],
    ["--model", "scripted-data", "--model-opt", "base_url=https://api.example.com/v1"],
])
def test_paraphrase_refuses_remote_models_without_any_network_call(
        scripted, no_network, transcripts, tmp_path, monkeypatch, args):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    out = tmp_path / "rows.jsonl"
    result = CliRunner().invoke(doubles.data_cli(), ["data", "paraphrase", *args,
                                                     "--transcripts", str(transcripts),
                                                     "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: refusing to send private "
                                                   "transcripts off this machine: ")
    assert "--allow-remote" in lines[0]
    assert no_network == [] and scripted.requests == []
    assert list(tmp_path.iterdir()) == [transcripts]  # nothing written


def test_synth_refuses_remote_only_when_private(scripted, no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    args = ["data", "synth", "--model", "openai:gpt-4o-mini", "--count", "3",
            "--out", str(tmp_path / "s.jsonl"), "--dry-run"]
    refused = CliRunner().invoke(doubles.data_cli(), [*args, "--private"])
    assert refused.exit_code == 2 and "refusing to send private data" in refused.output
    allowed = CliRunner().invoke(doubles.data_cli(), args)
    assert allowed.exit_code == 0, allowed.output
    assert "messages" in allowed.output and no_network == []


def test_allow_remote_lets_it_through(scripted, transcripts, tmp_path, monkeypatch):
    """The counterpart: with --allow-remote the same command reaches the (local) server."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    server = doubles.FakeOpenAIServer(latency=0)
    try:
        out = tmp_path / "rows.jsonl"
        result = CliRunner().invoke(doubles.data_cli(), [
            "data", "paraphrase", "--model", "openai:gpt-4o", "--model-opt",
            f"base_url={server.url}", "--transcripts", str(transcripts), "--out", str(out),
            "--allow-remote", "--min-words", "10"])
        assert result.exit_code == 0, result.output
        assert server.calls == 2
        assert len(out.read_text().splitlines()) == 2
    finally:
        server.stop()


def test_scrubbing_replaces_and_counts():
    scrubber = Scrubber(names=["Bernadette"])
    text = ("Interviewer: Thank you for coming, Mrs. Okafor.\n"
            "Ada Okafor: My husband Tom was diagnosed in 2019-2020. Call me on (555) 123-4567 or "
            "+44 20 7946 0958, or write to ada.okafor@example.com.\n"
            "We live at 42 Larkspur Lane, Apt 3, Leeds LS1 4AB. Bernadette from church helps. "
            "Tom forgets my name. In 2018 we had 3 grandchildren.")
    out = scrubber.scrub(text)
    for secret in ("Okafor", "Ada", "Tom", "Bernadette", "555", "7946", "example.com",
                   "Larkspur", "LS1"):
        assert secret not in out, secret
    for kept in ("Interviewer:", "2019-2020", "2018", "3 grandchildren", "Leeds"):
        assert kept in out, kept
    assert out.startswith("Interviewer: Thank you for coming, [name].\n[name]: My husband [name]")
    assert scrubber.counts == {"name": 5, "phone": 2, "email": 1, "address": 1, "postcode": 1}


def test_scrubbed_text_is_what_the_model_sees(scripted, tmp_path):
    folder = tmp_path / "tr"
    folder.mkdir()
    (folder / "a.txt").write_text("Therapist: Hello Mr. Lindqvist.\nCaregiver: Reach me at "
                                  "lind@example.org or 07700 900123 about my wife.\f"
                                  "Caregiver: Mr. Lindqvist again, tired all the time.\n")
    names = tmp_path / "names.txt"
    names.write_text("# people\nSolveig\n")
    (folder / "b.txt").write_text("Caregiver: Solveig cried at breakfast today, I did not "
                                  "know what to do for her.\n")
    out = tmp_path / "rows.jsonl"
    result = CliRunner().invoke(doubles.data_cli(), [
        "data", "paraphrase", "--model", "scripted-data", "--transcripts", str(folder),
        "--out", str(out), "--names", str(names), "--min-words", "10"])
    assert result.exit_code == 0, result.output
    seen = "\n".join(m["content"] for r in scripted.requests for m in r)
    for secret in ("Lindqvist", "lind@example.org", "900123", "Solveig"):
        assert secret not in seen
    assert "Scrubbed: name 3, email 1, phone 1" in result.output
    manifest = json.loads((tmp_path / "rows.jsonl.manifest.json").read_text())
    assert manifest["scrubbed"] == {"name": 3, "email": 1, "phone": 1}
