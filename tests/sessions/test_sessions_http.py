"""Sessions over HTTP: counselor, client and judge all behind the local OpenAI- and Gemini-
protocol servers; every turn stored once, and a SIGKILL costs at most the turns in flight."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from mentalbench.cli import cli

from ..processes import kill_when
from ..servers import FakeGemini, FakeOpenAI
from ..servers.fixtures import GEMINI_KEY, OPENAI_KEY

ROOT = Path(__file__).resolve().parent.parent.parent
CONCURRENCY = 4


def _args(openai_url, gemini_url, out, cards, turns, *judges):
    return ["run", "-m", "openai:gpt-4o-mini", "--model-opt", f"base_url={openai_url}",
            "--model-opt", f"max_concurrency={CONCURRENCY}", "--model-opt", "backoff=0.05",
            "--cards", "mentalbench-cards-v1", "--limit", str(cards), "--turns", str(turns),
            "--client", "openai:gpt-4o-mini", "--client-opt", f"base_url={openai_url}",
            "--client-opt", f"max_concurrency={CONCURRENCY}", "--client-opt", "backoff=0.05",
            "--client-opt", "temperature=0.9",
            "-j", "gemini", "--judge-opt", f"gemini.base_url={gemini_url}", "--judge-opt",
            f"max_concurrency={CONCURRENCY}", "--judge-opt", "backoff=0.05", *judges,
            "-o", str(out)]


def _turns(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / "sessions.sqlite")
    try:
        return db.execute("SELECT card_id, turn, role FROM session_turns").fetchall()
    finally:
        db.close()


def test_a_session_run_over_http_holds_every_session_for_k_turns(api_keys, serve, tmp_path):
    openai, gemini = serve(FakeOpenAI), serve(FakeGemini)
    out = tmp_path / "run"
    gpt4 = ("-j", "gpt4", "--judge-opt", f"gpt4.base_url={openai.url}/v1")
    result = CliRunner().invoke(cli, _args(openai.url + "/v1", gemini.url, out, 5, 3, *gpt4))
    assert result.exit_code == 0, result.output
    turns = _turns(out)
    assert len(turns) == len(set(turns)) == 5 * 3 * 2
    # Counselor: 5 x 3; client: 5 x 2 (the opening is the card's); each judge: 5 sessions.
    assert sum(openai.stats.successes.values()) == 5 * 3 + 5 * 2 + 5
    assert sum(gemini.stats.successes.values()) == 5
    judged = [json.loads(x) for x in (out / "session_judgments.jsonl").read_text().splitlines()]
    assert len(judged) == 10 and {j["status"] for j in judged} == {"scored"}
    assert sorted(j["judge"] for j in judged) == ["gemini"] * 5 + ["gpt4"] * 5
    board = (out / "sessions.csv").read_text().splitlines()
    assert len(board) == 3 and "exploration" in board[0]
    again = CliRunner().invoke(cli, _args(openai.url + "/v1", gemini.url, out, 5, 3, *gpt4))
    assert again.exit_code == 0 and "(0 turns new)" in again.output
    assert sum(openai.stats.successes.values()) == 30  # nothing asked twice


def _start(openai_url, gemini_url, out):
    env = {**os.environ, "OPENAI_API_KEY": OPENAI_KEY, "GEMINI_API_KEY": GEMINI_KEY,
           "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "mentalbench",
                             *_args(openai_url, gemini_url, out, 12, 4), "--no-checks"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_sigkill_mid_session_then_a_rerun_asks_again_at_most_the_turns_in_flight(
        api_keys, serve, tmp_path):
    openai, gemini = serve(FakeOpenAI, latency=0.03), serve(FakeGemini, latency=0.03)
    out = tmp_path / "run"

    def good():
        return sum(openai.stats.successes.values())

    kills = 0
    for point in (10, 45):  # in the first rounds, then mid-conversation
        assert kill_when(_start(openai.url + "/v1", gemini.url, out),
                          lambda p=point: good() >= p) == -9
        kills += 1
    assert 45 <= good() < 12 * 4 + 12 * 3
    final = _start(openai.url + "/v1", gemini.url, out)
    assert final.wait(120) == 0
    turns = _turns(out)
    assert len(turns) == len(set(turns)) == 12 * 4 * 2
    transcripts = [json.loads(x) for x in (out / "transcripts.jsonl").read_text().splitlines()]
    assert [t["counselor_turns"] for t in transcripts] == [4] * 12
    repeated = sum(n - 1 for n in openai.stats.successes.values() if n > 1)
    assert repeated <= 2 * CONCURRENCY * kills  # counselor and client requests in flight
    judged = [json.loads(x) for x in (out / "session_judgments.jsonl").read_text().splitlines()]
    assert len(judged) == 12 and {j["status"] for j in judged} == {"scored"}
