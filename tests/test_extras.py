"""Fresh venvs of the bare core and of [openai]: each command runs, or names the pip install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .servers import FakeOpenAI
from .servers.fixtures import FAST, OPENAI_KEY

ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
pytestmark = pytest.mark.skipif(UV is None, reason="uv (in the dev extra) builds the venvs")


def _venv(where: Path, extra: str) -> Path:
    """A new venv holding mentalbench (not editable) with one extra, at the locked versions."""
    subprocess.run([UV, "venv", "-q", "--python", sys.executable, str(where)], check=True)
    python = where / "bin" / "python"
    subprocess.run([UV, "pip", "install", "-q", "--python", str(python), "-c",
                    str(ROOT / "constraints.txt"), f"{ROOT}{extra}"], check=True)
    return where / "bin" / "mentalbench"


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> Path:
    return _venv(tmp_path_factory.mktemp("bare") / "venv", "")


@pytest.fixture(scope="module")
def with_openai(tmp_path_factory) -> Path:
    return _venv(tmp_path_factory.mktemp("openai") / "venv", "[openai]")


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "q.jsonl").write_text(
        '{"id": "q1", "topic": "Anxiety", "text": "I panic before every exam."}\n'
        '{"id": "q2", "topic": "Stress", "text": "Work is crushing me."}\n', encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(
        '{"question_id": "q1", "model": "m1", "text": "Slow breathing helps; so does sleep."}\n'
        '{"question_id": "q2", "model": "m1", "text": "Saying no kindly is a skill."}\n',
        encoding="utf-8")
    return tmp_path


def _mb(exe: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "OPENAI_API_KEY": OPENAI_KEY,
           "HF_HUB_OFFLINE": "1", "MENTALBENCH_LOAD_PLUGINS": ""}
    result = subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _missing(result, extra: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"pip install 'mentalbench[{extra}]'" in lines[0], lines


def _judge(exe, folder, url):
    fast = [a for k, v in FAST.items() for a in ("--judge-opt", f"{k}={v}")]
    return _mb(exe, folder, "judge", "-a", "a.jsonl", "-q", "q.jsonl", "-j", "gpt4", "-o", "run",
               "--judge-opt", f"base_url={url}/v1", *fast)


def test_the_bare_core_runs_what_needs_no_extra_and_names_the_rest(bare, folder, serve):
    server = serve(FakeOpenAI)
    _missing(_judge(bare, folder, server.url), "openai")
    assert not (folder / "run").exists()  # exit 2: nothing written
    assert server.stats.calls == 0
    _missing(_mb(bare, folder, "run", "-m", "smollm2", "-j", "gpt4", "-q", "q.jsonl"), "hf")
    for args in (["rubric", "list"], ["checks"], ["report", "--help"], ["leaderboard", "--help"],
                 ["checks", "run", "--question", "I want to end it all tonight",
                  "--answer", "Please call a crisis line now."]):
        result = _mb(bare, folder, *args)
        assert result.returncode == 0 and result.stdout, (args, result.stderr)


def test_openai_alone_judges_over_http_and_leaderboards(with_openai, folder, serve):
    server = serve(FakeOpenAI)
    judged = _judge(with_openai, folder, server.url)
    assert judged.returncode == 0, judged.stderr
    assert server.stats.calls >= 2
    board = _mb(with_openai, folder, "leaderboard", "run", "-o", "-", "--format", "csv")
    assert board.returncode == 0 and board.stdout.splitlines()[1].startswith("m1,"), board
    _missing(_mb(with_openai, folder, "report", "run", "--out", "report"), "report")
    assert not (folder / "report").exists()
