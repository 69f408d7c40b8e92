"""Names and values that attack where they are shown (terminal, CSV, figures) or where secrets
are kept, and the same file given twice (issue 22, items 3, 5 and 6)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.store.escaping import csv_cell, terminal_text

from ..servers import FakeOpenAI

pytest.importorskip("matplotlib")

NAME = "=HYPERLINK(\"http://x\")\x1b[2J$x^2$"


def _judge(questions, tmp_path, base_url_tail="/v1", *extra):
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"question_id": q, "model": NAME, "text": f"Hi {q}."})
                               + "\n" for q in ("q1", "q2", "q3")))
    out = tmp_path / "run"
    with FakeOpenAI() as server:
        result = CliRunner().invoke(cli, [
            "judge", "-a", str(answers), "-q", str(questions), "-j", "gpt4", "-o",
            str(out), "--judge-opt", f"base_url={server.url}{base_url_tail}", *extra])
    return result, out


@pytest.fixture
def hostile_run(api_keys, small_questions, tmp_path):
    return _judge(small_questions, tmp_path, "/v1", "--report")


def test_a_hostile_model_name_is_escaped_on_the_terminal_in_csv_and_in_figures(hostile_run):
    result, out = hostile_run
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\\x1b[2J" in result.output
    csvs = sorted((out / "report").glob("*.csv")) + [out / "leaderboard.csv"]
    assert len(csvs) > 2
    for path in csvs:
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines()[1:]:
            assert not line.startswith(("=", "+", "-", "@")), (path.name, line)
            assert ',=' not in line and ',"=' not in line, (path.name, line)
    html = (out / "report" / "report.html").read_text(encoding="utf-8")
    # Drawn as typed, as text: mathtext would draw glyph paths, keeping the name in a comment.
    assert "$x^2$</text>" in html
    figures = re.findall(r"<svg.*?</svg>", html, re.S)
    assert figures and not any("\x1b" in svg for svg in figures)  # not allowed in SVG's XML


def test_url_query_secrets_never_reach_the_run_folder(api_keys, small_questions, tmp_path):
    # The SDK cannot use a base_url with a query (the server answers 404, echoing the path):
    # the run fails, and neither the terminal nor any file shows the query's values.
    result, out = _judge(small_questions, tmp_path, "/v1?code=SECRET-CODE&sig=S1G")
    assert result.exit_code == 3, result.output
    assert "SECRET-CODE" not in result.output and "S1G" not in result.output
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"SECRET-CODE" not in data and b"S1G" not in data, path
    db = sqlite3.connect(out / "store.sqlite")
    dump = "\n".join(db.iterdump())
    assert "SECRET-CODE" not in dump and "S1G" not in dump


def test_judges_masks_keys_and_url_passwords_of_a_judge_model_table(monkeypatch, tmp_path):
    from mentalbench.judging.paper_judges import table_paths
    from mentalbench.plugins import registry

    bundled = table_paths()[0].read_text(encoding="utf-8")
    table = tmp_path / "judges.toml"
    table.write_text(bundled.replace(
        'source = "https://', 'source = "https://me:PASSW0RD@', 1), encoding="utf-8")
    text = table.read_text(encoding="utf-8")
    replacement = re.search(r'^replacement = "([^"]+)"', text, re.M).group(1)
    first = text.index(f'[gpt4.settings."{replacement}"]')
    end = text.index("\n", first)
    table.write_text(text[:end + 1] + 'api_key = "ab"\n' + text[end + 1:], encoding="utf-8")
    monkeypatch.setenv("MENTALBENCH_JUDGE_MODELS", str(table))
    registry._registry = None
    try:
        result = CliRunner().invoke(cli, ["judges"])
    finally:
        registry._registry = None
    assert result.exit_code == 0, result.output
    assert "PASSW0RD" not in result.output
    assert "api_key=***" in result.output and "api_key=ab" not in result.output


def test_short_keys_are_masked_as_words_only():
    from mentalbench.models.secrets import mask_text, remember

    remember("q7")
    assert mask_text("key q7 in (q7) and q7x") == "key *** in (***) and q7x"


def test_the_same_answers_file_given_three_ways_is_judged_once(api_keys, small_questions,
                                                               tmp_path, monkeypatch):
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"question_id": q, "model": "m", "text": f"Hi {q}."})
                               + "\n" for q in ("q1", "q2", "q3")))
    (tmp_path / "link.jsonl").symlink_to(answers)
    monkeypatch.chdir(tmp_path)
    with FakeOpenAI() as server:
        result = CliRunner().invoke(cli, [
            "judge", "-a", str(answers), "-a", "link.jsonl", "-a", "./a.jsonl", "-q",
            str(small_questions), "-j", "gpt4", "-o", str(tmp_path / "run"),
            "--judge-opt", f"base_url={server.url}/v1"])
    assert result.exit_code == 0, result.output
    assert "3 of 3 scored" in result.output


def test_rubric_import_force_never_deletes_a_run_folder(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    sqlite3.connect(run / "store.sqlite").close()
    (run / "answers.jsonl").write_text("keep\n")
    prompts = tmp_path / "p.jsonl"
    prompts.write_text((__import__("pathlib").Path(__file__).parent.parent / "bad_inputs" / "good" /
                        "judge_prompts.jsonl").read_text())
    result = CliRunner().invoke(cli, ["rubric", "import", str(prompts), "--prompt",
                                      "corpus-single", "--out", str(run), "--force"])
    assert result.exit_code == 2 and "inside the run folder" in result.output
    assert (run / "answers.jsonl").read_text() == "keep\n"


@pytest.mark.parametrize("text, shown", [
    ("plain", "plain"), ("a\x1b[31mb", "a\\x1b[31mb"), ("bell\x07", "bell\\x07"),
    ("c1\x9bx", "c1\\x9bx"), ("del\x7f", "del\\x7f"), ("keeps\nlines\tand tabs", "keeps\nlines\tand tabs")])
def test_terminal_text_shows_control_characters_as_escapes(text, shown):
    assert terminal_text(text) == shown


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_escaped(cell):
    assert csv_cell(cell) == "'" + cell
