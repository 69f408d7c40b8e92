"""Progress without a terminal: a line at least every heartbeat, even while one item runs."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.progress import PlainReporter, heartbeat_seconds

HEARTBEAT = "0.1"  # seconds: the slow double takes several of these per item


@pytest.fixture
def slow(monkeypatch):
    """Register the slow plugin like a real one, with a short heartbeat."""
    from mentalbench.plugins import load_plugins, pm
    from mentalbench.registry import get_registry

    from . import slow as plugin

    monkeypatch.setenv("MENTALBENCH_PROGRESS_SECONDS", HEARTBEAT)
    load_plugins()
    pm.register(plugin, name="slow-test-plugin")
    get_registry(refresh=True)
    yield plugin
    pm.unregister(name="slow-test-plugin")
    get_registry(refresh=True)


def _before_first(lines: list[str], label: str, total: int) -> list[str]:
    """The lines of stage `label` printed before its first item was done."""
    mine = [line for line in lines if line.startswith(f"{label}: ")]
    first_done = next(i for i, line in enumerate(mine) if line.startswith(f"{label}: 1/{total}"))
    return mine[:first_done]


def test_every_stage_of_a_run_beats_while_its_first_item_runs(slow, small_questions, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["run", "-m", "slow", "-j", "slow-judge", "-q",
                                      str(small_questions), "--check", "slow_check",
                                      "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    for label in ("answering (slow)", "checks", "judging (slow-judge)"):
        waiting = _before_first(lines, label, 3)
        assert waiting[0] == f"{label}: 0/3"
        beats = waiting[1:]
        assert beats, f"{label}: nothing printed while the first item ran"
        for beat in beats:  # done/total, rate, ETA and elapsed time, before any item is done
            assert re.fullmatch(rf"{re.escape(label)}: 0/3 \(0%\), 0\.00/s, ETA unknown, "
                                r"\d+s elapsed", beat), beat
        last = [line for line in lines if line.startswith(f"{label}: 3/3")]
        assert last and "done" in last[-1]
    assert any(line.startswith("writing exports") for line in lines)


def test_report_and_leaderboard_beat_while_they_work(slow, small_questions, tmp_path,
                                                     monkeypatch):
    pytest.importorskip("matplotlib")
    import time

    import mentalbench.report as report

    out = tmp_path / "run"
    first = CliRunner().invoke(cli, ["run", "-m", "slow", "-j", "slow-judge", "-q",
                                     str(small_questions), "--model-opt", "delay=0",
                                     "--judge-opt", "delay=0", "--no-checks", "-o", str(out)])
    assert first.exit_code == 0, first.output
    real = report.write_report

    def slow_report(*args, **kw):  # a report of 25 models takes a while: stand in for it
        time.sleep(0.6)
        return real(*args, **kw)
    monkeypatch.setattr(report, "write_report", slow_report)
    result = CliRunner().invoke(cli, ["report", str(out), "-o", str(tmp_path / "rep"),
                                      "--resamples", "100"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    beats = [line for line in result.stderr.splitlines()
             if re.fullmatch(r"writing the report: \d+s elapsed", line)]
    assert beats, result.stderr


def test_import_reads_answer_files_with_progress(slow, small_questions, tmp_path):
    run = tmp_path / "run"
    made = CliRunner().invoke(cli, ["run", "-m", "slow", "-q", str(small_questions),
                                    "-j", "slow-judge", "--model-opt", "delay=0",
                                    "--judge-opt", "delay=0", "--no-checks", "-o", str(run)])
    assert made.exit_code == 0, made.output
    judged = CliRunner().invoke(cli, ["judge", "-a", str(run / "answers.jsonl"), "-q",
                                      str(small_questions), "-j", "slow-judge", "--no-checks",
                                      "-o", str(tmp_path / "judged")])
    assert judged.exit_code == 0, judged.output
    assert "reading answer files: 0/1" in judged.stderr
    assert re.search(r"^judging \(slow-judge\): 0/3 \(0%\), 0\.00/s, ETA unknown",
                     judged.stderr, re.M)


def test_a_plain_reporter_with_a_fast_stage_says_only_start_and_end():
    stream = io.StringIO()
    reporter = PlainReporter(stream, every=60)
    with reporter.stage("counting", 4) as advance:
        for _ in range(4):
            advance(1)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "counting: 0/4"
    assert lines[-1].startswith("counting: 4/4 (100%)") and "done" in lines[-1]


@pytest.mark.parametrize("value, expected", [("", 10.0), ("2.5", 2.5), ("x", 10.0),
                                             ("-1", 10.0)])
def test_the_heartbeat_interval_comes_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("MENTALBENCH_PROGRESS_SECONDS", value)
    assert heartbeat_seconds() == expected
