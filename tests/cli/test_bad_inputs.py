"""The bad-input corpus (tests/bad_inputs/cases.toml) run through the command line.

Each case must exit 2 with exactly one line, "Error: ...", holding the fragment that names its
file, line or field; raise no traceback; make no call (the local judge server and the scripted
model count them); and write nothing (every file under the case's temporary folder and under
tests/bad_inputs is byte-identical afterwards). The module ends by printing
"bad inputs: N tried, N clean".
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import shutil
import sqlite3
import subprocess
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.plugins import registry
from mentalbench.store.schema import SCHEMA_VERSION

from .. import scripted as scripted_module
from ..servers import FakeOpenAI

HERE = Path(__file__).resolve().parent.parent / "bad_inputs"
GOOD = HERE / "good"
MANIFEST = HERE / "cases.toml"
CASES: list[dict] = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["case"]
REQUIRED = {"id", "group", "args", "expect", "note"}
OPTIONAL = {"setup", "env", "xfail", "calls", "late", "leaves_nothing", "absent"}


@dataclasses.dataclass
class Tally:
    """Cases run, and cases that met every promise."""

    tried: int = 0
    clean: int = 0

    def line(self) -> str:
        return f"bad inputs: {self.tried} tried, {self.clean} clean"


TALLY = Tally()


class _Summary:
    """Prints the tally after the test session's own summary."""

    def pytest_terminal_summary(self, terminalreporter):
        if TALLY.tried:
            terminalreporter.write_line(TALLY.line())


@pytest.fixture(scope="module", autouse=True)
def _print_tally(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("bad-inputs-tally"):
        manager.register(_Summary(), "bad-inputs-tally")
    yield


@pytest.fixture(scope="module")
def server():
    """One local OpenAI-protocol server for the module; each case checks it got no call."""
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


# -- making a case's places -----------------------------------------------------------------

def _substitute(text: str, places: dict[str, str]) -> str:
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


def _copy_run(source: Path, out: Path) -> None:
    """A run folder from the corpus; each store.sql in it becomes store.sqlite."""
    shutil.copytree(source, out)
    for script in out.rglob("*.sql"):
        db = sqlite3.connect(script.with_suffix(".sqlite"))
        db.executescript(script.read_text(encoding="utf-8"))
        db.close()
        script.unlink()


def _make_readonly(path: Path, undo: list) -> None:
    """Read-only for this process: file modes, and for root (who ignores them) the immutable
    attribute; skips the case where neither works."""
    path.chmod(0o555 if path.is_dir() else 0o444)
    undo.append(lambda: path.chmod(0o755 if path.is_dir() else 0o644))
    if os.access(path, os.W_OK):
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode != 0 or os.access(path, os.W_OK):
            pytest.skip(f"cannot make {path.name} read-only here (running as root without "
                        "CAP_LINUX_IMMUTABLE or chattr)")
        undo.append(lambda: subprocess.run(["chattr", "-i", str(path)], check=True))


def _setup(steps: list[str], tmp: Path, out: Path, undo: list) -> None:
    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "copy":
            _copy_run(HERE / arg, out)
        elif kind == "out-is-file":
            out.write_text("a file where the run folder should be\n", encoding="utf-8")
        elif kind == "mkdir":
            (tmp / arg).mkdir(parents=True)
        elif kind == "dangling-link":
            (tmp / arg).symlink_to(tmp / "nowhere")
        elif kind == "fifo":  # a named pipe: reading it blocks until a writer comes
            (tmp / arg).parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(tmp / arg)
        elif kind == "copytree":  # copytree:SOURCE:DEST, SOURCE under the corpus, DEST under tmp
            source, _, dest = arg.partition(":")
            shutil.copytree(HERE / source, tmp / dest)
        elif kind == "sqlite":  # an SQLite database that is nobody's run store
            db = sqlite3.connect(tmp / arg)
            db.execute("create table notes (text)")
            db.commit()
            db.close()
        elif kind == "link":  # link:TARGET:NAME, both under tmp
            target, _, name = arg.partition(":")
            (tmp / name).symlink_to(tmp / target)
        elif kind == "readonly":
            target = tmp / arg
            if not target.exists():
                target.mkdir(parents=True)
            _make_readonly(target, undo)
        else:
            raise AssertionError(f"unknown setup step {step!r}")


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry under root: file bytes, None for folders, the target for links."""
    if not root.exists() and not root.is_symlink():
        return {}
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = os.readlink(path).encode()
        elif path.is_dir():
            out[rel] = None
        elif not path.is_file():  # a FIFO or device: never read (it would block)
            out[rel] = b"<not a regular file>"
        else:
            out[rel] = path.read_bytes()
    return out


# -- the corpus -----------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_is_one_line_exit_2_no_call_nothing_written(case, scripted, api_keys, server,
                                                              tmp_path, monkeypatch, request):
    if case.get("xfail"):
        request.applymarker(pytest.mark.xfail(reason=case["xfail"], strict=True))
    out, cwd = tmp_path / "run", tmp_path / "cwd"
    cwd.mkdir()
    places = {"here": str(HERE), "good": str(GOOD), "out": str(out), "tmp": str(tmp_path),
              "url": server.url + "/v1", "schema": str(SCHEMA_VERSION)}
    undo: list = []
    try:
        _setup(case.get("setup", []), tmp_path, out, undo)
        TALLY.tried += 1  # a case skipped in setup was not tried
        before = _snapshot(tmp_path), _snapshot(HERE)
        server.reset()
        scripted_module.ScriptedModel.calls.clear()
        with monkeypatch.context() as env:
            env.chdir(cwd)  # a relative path the code makes lands here, and is seen
            for name, value in case.get("env", {}).items():
                env.setenv(name, _substitute(value, places))
            registry._registry = None  # collected again under this environment, by the CLI
            result = CliRunner().invoke(cli, [_substitute(a, places) for a in case["args"]])
        after = _snapshot(tmp_path), _snapshot(HERE)
    finally:
        registry._registry = None
        for step in reversed(undo):
            step()
    shown = f"case {case['id']} ({case['note']}):\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        shown + f"\nraised {type(result.exception).__name__}: {result.exception}")
    assert result.exit_code == 2, shown
    lines = [line for line in result.output.splitlines() if line.strip()]
    if case.get("late"):  # the run had started: its notes come first
        lines = lines[-1:]
    assert len(lines) == 1 and lines[0].startswith("Error: "), shown
    assert _substitute(case["expect"], places) in lines[0], shown
    assert "Traceback" not in result.output and "Warning" not in result.output, shown
    for secret in case.get("absent", []):  # a key or password the line must not show
        assert secret not in result.output, shown
    if not case.get("calls"):
        assert server.stats.calls == 0, shown
        assert scripted_module.ScriptedModel.calls == [], shown
    if not case.get("late") or case.get("leaves_nothing"):
        assert after[0] == before[0], shown + "\nfiles changed under the case's folder"
    else:  # the run's history says how it ended, as the exit status does
        history = json.loads((out / "manifest.json").read_text())["invocations"]
        assert history[-1]["exit_status"] == 2, shown
    assert after[1] == before[1], shown + "\nfiles changed under tests/bad_inputs"
    TALLY.clean += 1


# -- the corpus itself, and the good inputs its commands start from --------------------------

def test_the_corpus_is_large_well_formed_and_uses_every_file():
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)
    for case in CASES:
        assert REQUIRED <= set(case) <= REQUIRED | OPTIONAL, case["id"]
        assert case["expect"].strip() and case["note"].strip(), case["id"]
    named = {word.removeprefix("{here}/").removeprefix("copy:")
             for c in CASES for word in [*c["args"], *c.get("env", {}).values(),
                                         *c.get("setup", [])]}
    # A file is used when a case names it, or names its folder below the kind's folder
    # (rubrics/<name>, run_folders/<name>): naming questions/ itself uses none of its files.
    folders = [word for word in named if "/" in word]

    def used(rel: str) -> bool:
        return any(rel == w or rel.startswith(w + "/") for w in folders)
    files = [str(p.relative_to(HERE)) for p in sorted(HERE.rglob("*")) if p.is_file()]
    unused = [rel for rel in files if "/" in rel and not rel.startswith("good/")
              and not used(rel)]
    assert unused == [], "files no case uses"


def test_the_reliability_page_states_the_corpus_numbers():
    text = (HERE.parent.parent / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert f"bad inputs: {len(CASES)} tried, {len(CASES)} clean" in text
    groups = collections.Counter(c["group"] for c in CASES)
    for group, count in groups.items():
        assert f"| {group} | {count} |" in text, (group, count)


def _control(args, server, tmp_path):
    places = {"good": str(GOOD), "out": str(tmp_path / "run"), "url": server.url + "/v1",
              "tmp": str(tmp_path), "here": str(HERE)}
    return CliRunner().invoke(cli, [_substitute(a, places) for a in args])


RUN = ["run", "-m", "scripted", "-j", "gpt4", "--judge-opt", "base_url={url}", "-q",
       "{good}/questions.jsonl", "-o", "{out}"]
JUDGE = ["judge", "-a", "{good}/answers.jsonl", "-j", "gpt4", "--judge-opt", "base_url={url}",
         "-q", "{good}/questions.jsonl", "-o", "{out}"]


@pytest.mark.parametrize("args, made", [
    (RUN, "leaderboard.csv"),
    ([*RUN, "--rubric", "{good}/rubric"], "leaderboard.csv"),
    (JUDGE, "leaderboard.csv"),
    (["judge", "-a", "{good}/answers.jsonl", "-q", "{good}/questions.jsonl", "-o", "{out}",
      "--import-judgments", "{good}/ratings.csv"], "leaderboard.csv"),
    (["rubric", "import", "{good}/judge_prompts.jsonl", "--prompt", "corpus-single", "--out",
      "{out}"], "rubric.toml"),
], ids=["run", "run-rubric", "judge", "judge-import", "rubric-import"])
def test_the_good_inputs_the_cases_start_from_run_clean(scripted, api_keys, server, tmp_path,
                                                        args, made):
    server.reset()
    result = _control(args, server, tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / made).is_file()
    if "-j" in args:
        assert server.stats.calls > 0


def test_the_judged_run_folder_of_the_corpus_reads(tmp_path):
    _copy_run(HERE / "run_folders" / "judged", tmp_path / "run")
    result = CliRunner().invoke(cli, ["leaderboard", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "helper-model" in result.output and "human:ann" in result.output


def test_bom_and_crlf_files_are_read_not_refused(scripted, api_keys, server, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(b"\xef\xbb\xbf" + (GOOD / "questions.jsonl").read_bytes()
                          .replace(b"\n", b"\r\n"))
    answers = tmp_path / "a.jsonl"
    answers.write_bytes(b"\xef\xbb\xbf" + (GOOD / "answers.jsonl").read_bytes()
                        .replace(b"\n", b"\r\n"))
    ratings = tmp_path / "r.csv"
    ratings.write_bytes(b"\xef\xbb\xbf" + (GOOD / "ratings.csv").read_bytes()
                        .replace(b"\n", b"\r\n"))
    result = _control(["judge", "-a", str(answers), "-q", str(questions), "-o", "{out}",
                       "--import-judgments", str(ratings)], server, tmp_path)
    assert result.exit_code == 0, result.output
    assert "3 of 3 scored" in result.output
