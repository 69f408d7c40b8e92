"""Progress without a terminal: a line at least every heartbeat, even while one item runs."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.models.progress import PlainReporter, heartbeat_seconds

HEARTBEAT = "0.1"  # seconds: the slow double takes several of these per item


@pytest.fixture
def slow(monkeypatch):
    """Register the slow plugin like a real one, with a short heartbeat."""
    from mentalbench.plugins.loading import load_plugins, pm
    from mentalbench.plugins.registry import get_registry

    from .. import slow as plugin

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
        beats = _before_first(lines, label, 3)
        assert beats, f"{label}: nothing printed while the first item ran"
        for beat in beats:  # done/total, rate, ETA and elapsed time, before any item is done
            assert re.fullmatch(rf"{re.escape(label)}: 0/3 \(0%\), 0\.00/s, ETA unknown, "
                                r"\d+s elapsed", beat), beat
        last = [line for line in lines if line.startswith(f"{label}: 3/3")]
        assert last and "done" in last[-1]


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


def test_judging_answers_from_files_beats_too(slow, small_questions, tmp_path):
    run = tmp_path / "run"
    made = CliRunner().invoke(cli, ["run", "-m", "slow", "-q", str(small_questions),
                                    "-j", "slow-judge", "--model-opt", "delay=0",
                                    "--judge-opt", "delay=0", "--no-checks", "-o", str(run)])
    assert made.exit_code == 0, made.output
    judged = CliRunner().invoke(cli, ["judge", "-a", str(run / "answers.jsonl"), "-q",
                                      str(small_questions), "-j", "slow-judge", "--no-checks",
                                      "-o", str(tmp_path / "judged")])
    assert judged.exit_code == 0, judged.output
    assert re.search(r"^judging \(slow-judge\): 0/3 \(0%\), 0\.00/s, ETA unknown",
                     judged.stderr, re.M)


class _Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_stage_within_one_heartbeat_prints_nothing():
    stream = io.StringIO()
    with PlainReporter(stream, every=60).stage("counting", 4) as advance:
        for _ in range(4):
            advance(1)
    with PlainReporter(stream, every=60).stage("writing", None):
        pass
    assert stream.getvalue() == ""


def test_a_long_stage_prints_every_twentieth_and_its_end():
    stream, clock = io.StringIO(), _Clock()
    reporter = PlainReporter(stream, every=3600, clock=clock)
    with reporter.stage("counting", 40) as advance:
        clock.now = 4000.0  # past one heartbeat: from now on it speaks
        for _ in range(40):
            advance(1)
    lines = stream.getvalue().splitlines()
    # The first advance is a heartbeat overdue; then a line every 5% (2 items), and the end.
    assert [line.split(" (")[0] for line in lines] == [f"counting: {n}/40"
                                                      for n in [*range(1, 40, 2), 40]]
    assert lines[-1].endswith("0.01/s, done, 4000s elapsed")


@pytest.mark.parametrize("value, expected", [("", 10.0), ("2.5", 2.5), ("x", 10.0),
                                             ("-1", 10.0)])
def test_the_heartbeat_interval_comes_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("MENTALBENCH_PROGRESS_SECONDS", value)
    assert heartbeat_seconds() == expected


def test_library_progress_bars_are_off_unless_verbose(monkeypatch):
    from transformers.utils import logging as hf_logging

    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS", raising=False)
    hf_logging.enable_progress_bar()
    verbose = CliRunner().invoke(cli, ["--verbose", "checks"])
    assert verbose.exit_code == 0, verbose.output
    assert "HF_HUB_DISABLE_PROGRESS_BARS" not in __import__("os").environ
    assert hf_logging.is_progress_bar_enabled()
    quiet = CliRunner().invoke(cli, ["checks"])
    assert quiet.exit_code == 0, quiet.output
    assert __import__("os").environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
    assert not hf_logging.is_progress_bar_enabled()
    hf_logging.enable_progress_bar()
