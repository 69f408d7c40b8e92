"""Prices and --dry-run: what a run would cost, said before anything is requested or written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.errors import InputError
from mentalbench.records.base import Usage
from mentalbench.run.cost import Price, dollars, price_for, price_table

from ..servers import FakeOpenAI


def _args(server, out, questions, *extra):
    url = server.url + "/v1"
    return ["run", "-m", "openai:gpt-4o-mini", "-j", "gpt4", "-q", str(questions),
            "-o", str(out), "--model-opt", f"base_url={url}", "--judge-opt", f"base_url={url}",
            *extra]


def _table(output: str) -> dict[str, list[str]]:
    """Dry-run rows by their label: calls, prompt tokens, output tokens, dollars."""
    rows = {}
    for line in output.splitlines():
        if line.startswith(("answering (", "judging (")):
            cut = line.index(")") + 1
            rows[line[:cut]] = line[cut:].split()
        elif line.startswith("total "):
            rows["total"] = line[5:].split()
    return rows


def test_dry_run_spends_nothing_and_writes_nothing(api_keys, serve, small_questions, tmp_path):
    server = serve(FakeOpenAI)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, _args(server, out, small_questions, "--dry-run"))
    assert result.exit_code == 0, result.output
    assert server.stats.calls == 0 and not out.exists()
    rows = _table(result.output)
    calls, prompt, output, cost = rows["answering (openai:gpt-4o-mini)"]
    assert (calls, output) == ("3", "3,072")  # max_new_tokens 1024 each
    assert 0 < int(prompt.replace(",", "")) < 1000
    assert float(cost) == pytest.approx(
        (int(prompt.replace(",", "")) * 0.15 + 3072 * 0.60) / 1e6, abs=0.01)
    calls, prompt, output, cost = rows["judging (gpt4)"]
    assert calls == "3" and float(cost) > 0
    # Unwritten answers are assumed as long as they may be: the judge's prompts hold them.
    assert int(prompt.replace(",", "")) > 3 * 1024
    assert "up to 3 repair calls" in result.output
    assert rows["total"][0] == "6"


def test_dry_run_after_a_run_counts_only_what_is_missing(api_keys, serve, small_questions,
                                                         tmp_path):
    server = serve(FakeOpenAI)
    out = tmp_path / "run"
    assert CliRunner().invoke(cli, _args(server, out, small_questions)).exit_code == 0
    before = sorted(p.name for p in out.iterdir())
    calls = server.stats.calls
    result = CliRunner().invoke(cli, _args(server, out, small_questions, "--dry-run",
                                           "--judge-opt", "samples=2"))
    assert result.exit_code == 0, result.output
    rows = _table(result.output)
    assert rows["answering (openai:gpt-4o-mini)"][0] == "0"
    assert rows["judging (gpt4)"][0] == "6"  # a new judge identity: 3 answers x 2 samples
    assert server.stats.calls == calls and sorted(p.name for p in out.iterdir()) == before


def test_judge_dry_run_reads_the_answers_file(api_keys, scripted, small_questions, tmp_path):
    run = tmp_path / "answers"
    CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q", str(small_questions),
                             "-o", str(run)])
    result = CliRunner().invoke(cli, ["judge", "-a", str(run / "answers.jsonl"), "-j", "gpt4",
                                      "-j", "sj", "-q", str(small_questions), "--dry-run",
                                      "-o", str(tmp_path / "judged")])
    assert result.exit_code == 0, result.output
    rows = _table(result.output)
    assert rows["judging (gpt4)"][0] == "3" and rows["judging (scripted-judge)"][3] == "local"
    assert "answering" not in result.output
    assert not (tmp_path / "judged").exists()


def test_unknown_price_is_said_not_guessed(api_keys, serve, small_questions, tmp_path):
    server = serve(FakeOpenAI)
    result = CliRunner().invoke(cli, _args(server, tmp_path / "r", small_questions, "--dry-run",
                                           "--model-opt", "model=my-local-llama"))
    rows = _table(result.output)
    assert rows["answering (openai:gpt-4o-mini)"][3] == "unknown"
    assert rows["total"][3] == "unknown"
    assert "No price known for openai:my-local-llama" in result.output


def test_prices_change_on_their_date():
    table = {"x:m": (Price(1.0, 2.0), Price(3.0, 4.0, since="2027-01-01"))}
    assert price_for("x:m", dt.date(2026, 12, 31), table) == Price(1.0, 2.0)
    assert price_for("x:m", dt.date(2027, 1, 1), table) == Price(3.0, 4.0, "2027-01-01")
    assert price_for("x:other", dt.date(2027, 1, 1), table) is None
    assert dollars(Usage(1_000_000, 500_000), Price(1.0, 2.0)) == 2.0
    assert dollars(Usage(10, 10), None) is None


def test_the_paper_judges_are_priced():
    assert price_for("openai:gpt-4-turbo") == Price(10.0, 30.0)
    assert price_for("gemini:gemini-3.8-flash") is not None


def test_price_file_overrides_and_extends(monkeypatch, tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('["openai:gpt-4-turbo"]\ninput = 5\noutput = 15\n'
                    '["openai:my-model"]\ninput = 0.5\noutput = 1.5\n')
    monkeypatch.setenv("MENTALBENCH_PRICES", str(path))
    assert price_for("openai:gpt-4-turbo") == Price(5.0, 15.0)
    assert price_for("openai:my-model") == Price(0.5, 1.5)
    assert "gemini:gemini-3.8-flash" in price_table()


def test_bad_price_file_is_one_clear_line(monkeypatch, tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('["openai:gpt-4o"]\ninput = "cheap"\noutput = 1\n')
    monkeypatch.setenv("MENTALBENCH_PRICES", str(path))
    with pytest.raises(InputError, match=r"prices.toml: \['openai:gpt-4o'\]: expected numbers "
                                         r"'input' and 'output'"):
        price_table()
    monkeypatch.setenv("MENTALBENCH_PRICES", str(tmp_path / "missing.toml"))
    with pytest.raises(InputError, match="missing.toml: No such file"):
        price_table()


def test_run_summary_and_manifest_show_tokens_and_dollars(api_keys, serve, small_questions,
                                                          tmp_path):
    server = serve(FakeOpenAI)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, _args(server, out, small_questions))
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    by_stage = {c["stage"]: c for c in manifest["invocations"][-1]["summary"]["spend"]}
    assert server.stats.calls == 6
    answers = [json.loads(x) for x in (out / "answers.jsonl").read_text().splitlines()]
    assert by_stage["answering"]["prompt_tokens"] == sum(
        a["usage"]["prompt_tokens"] for a in answers)
    assert by_stage["answering"]["dollars"] == pytest.approx(
        (by_stage["answering"]["prompt_tokens"] * 0.15
         + by_stage["answering"]["completion_tokens"] * 0.60) / 1e6, abs=1e-4)
    text = " ".join(result.output.split())
    assert "answering (openai:gpt-4o-mini): this run: 3 calls" in text
    assert "judging (gpt4): this run: 3 calls" in text and "total stored: 3 results" in text
