"""SIGTERM and SIGHUP end a run like Ctrl-C; Ctrl-C while the command line starts is one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..servers import FakeOpenAI
from ..servers.fixtures import OPENAI_KEY

ROOT = Path(__file__).resolve().parent.parent.parent
ENV = {**os.environ, "OPENAI_API_KEY": OPENAI_KEY, "HF_HUB_OFFLINE": "1",
       "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins' / 'mentalbench-train'}"}


@pytest.mark.parametrize("signum, status, name", [
    (signal.SIGTERM, 143, "SIGTERM"), (signal.SIGHUP, 129, "SIGHUP")])
def test_sigterm_and_sighup_write_exports_close_the_invocation_and_say_how_to_resume(
        tmp_path, signum, status, name):
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"question_id": f"q{i}", "model": "m",
                                           "text": f"Answer {i}."}) + "\n" for i in range(3)))
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps({"id": f"q{i}", "text": f"Question {i}?"}) + "\n"
                                 for i in range(3)))
    out = tmp_path / "run"
    with FakeOpenAI(latency=30.0) as server:  # replies never come before the signal
        proc = subprocess.Popen(
            [sys.executable, "-m", "mentalbench", "judge", "-a", str(answers), "-q",
             str(questions), "-j", "gpt4", "-o", str(out), "--no-checks",
             "--judge-opt", f"base_url={server.url}/v1"],
            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        end = time.monotonic() + 120
        while server.stats.calls == 0 and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.02)  # the run is under way once the server sees a request
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == status, stderr
    assert "Traceback" not in stderr
    last = [line for line in stderr.splitlines() if line.strip()][-1]
    assert last.startswith(f"Stopped by {name}: finished work is stored in {out}")
    history = json.loads((out / "manifest.json").read_text())["invocations"]
    assert history[-1]["exit_status"] == status
    assert (out / "judgments.jsonl").is_file() and (out / "leaderboard.csv").is_file()


@pytest.mark.parametrize("loaded", ["mentalbench", "mentalbench.cli"])
def test_ctrl_c_while_the_command_line_loads_is_one_line_and_exit_130(loaded):
    # The command line as installed (argv[0] 'mentalbench'), interrupted while it imports:
    # once the package has started loading, and once the commands are loaded.
    code = ("import os, signal, sys, time; sys.argv[0] = 'mentalbench'; "
            f"import {loaded}; os.kill(os.getpid(), signal.SIGINT); time.sleep(30)")
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 130
    assert done.stderr.strip().splitlines() == ["Interrupted while starting: nothing was done."]


def test_a_library_import_leaves_ctrl_c_as_it_was():
    code = ("import signal, mentalbench.cli; "
            "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)")
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr
