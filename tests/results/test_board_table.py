"""The leaderboard on a terminal, its coverage labels, and its documented columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.results.board_columns import COLUMNS, documented
from mentalbench.results.board_table import compact, render, short_header
from mentalbench.results.coverage import label

MENTALGPT = {"active_listening": "Active Listening", "empathy_validation": "Empathy & Validation",
             "safety_trustworthiness": "Safety & Trustworthiness",
             "open_mindedness_non_judgment": "Open-mindedness & Non-judgment",
             "clarity_encouragement": "Clarity & Encouragement",
             "boundaries_ethical": "Boundaries & Ethical",
             "holistic_approach": "Holistic Approach"}


def test_short_headers_are_one_short_word_each_and_distinct():
    headers = [short_header(n) for n in MENTALGPT.values()]
    assert headers == ["Active", "Empathy", "Safety", "Open", "Clarity", "Boundar.", "Holistic"]


@pytest.mark.parametrize("scored, asked, size, expected", [
    (200, 200, 200, "complete"),
    (20, 20, 200, "subset 20/200"),
    (15, 200, 200, "unfinished 15/200"),
    (15, 20, 200, "unfinished 15/20 (subset of 200)"),
    (3, None, 3, "complete"),
])
def test_coverage_tells_a_subset_from_an_unfinished_run(scored, asked, size, expected):
    assert label(scored, asked, size) == expected


def _board(models: int) -> pd.DataFrame:
    rows = []
    for i in range(models):
        row = {"model": f"org/a-rather-long-model-name-number-{i:02d}-instruct", "judge": "gpt4",
               "n_scored": 20, "n_questions": 200, "metrics_mean": 6.5 - i / 10,
               "metrics_mean_ci_low": 6.1 - i / 10, "metrics_mean_ci_high": 6.9 - i / 10,
               "coverage": "subset 20/200" if i else "complete"}
        row.update({k: 6.0 + j / 10 for j, k in enumerate(MENTALGPT)})
        rows.append(row)
    return pd.DataFrame(rows)


def test_the_terminal_view_fits_its_width_and_says_what_it_left_out():
    view = compact(_board(3), MENTALGPT)
    assert list(view.columns[:5]) == ["model", "judge", "scored", "mean [95% CI]", "coverage"]
    assert view.loc[1, "scored"] == "20/200" and view.loc[1, "coverage"] == "subset 20/200"
    assert view.loc[0, "mean [95% CI]"] == "6.50 [6.10, 6.90]"
    assert view.loc[0, "model"].endswith("…") and len(view.loc[0, "model"]) == 32
    wide = render(view, width=200)
    assert "more column" not in wide and "Holistic" in wide.splitlines()[0]
    narrow = render(view, width=100)
    lines = narrow.splitlines()
    assert all(len(line) <= 100 for line in lines[:-1])
    assert lines[-1].startswith("(") and "Holistic" in lines[-1] and "--columns" in lines[-1]
    assert "mean [95% CI]" in lines[0]  # the first columns stay, however narrow


def test_every_leaderboard_column_is_documented_and_every_documented_one_exists(
        scripted, small_questions, tmp_path):
    out = tmp_path / "run"
    made = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q",
                                    str(small_questions), "-o", str(out)])
    assert made.exit_code == 0, made.output
    board = pd.read_csv(out / "leaderboard.csv")
    assert any(c.startswith("check:") for c in board.columns)
    for column in board.columns:
        assert documented(column, list(MENTALGPT)), column
    fixed = [c.name for c in COLUMNS if "<" not in c.name]
    assert [c for c in fixed if c not in board.columns] == []


def test_leaderboard_dash_o_dash_writes_the_csv_of_dash_o_file(scripted, small_questions,
                                                               tmp_path):
    out = tmp_path / "run"
    made = CliRunner().invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q",
                                    str(small_questions), "-n", "2", "-o", str(out)])
    assert made.exit_code == 0, made.output
    assert "subset 2/3" in made.stdout  # a deliberate --limit, not a failure
    to_file = CliRunner().invoke(cli, ["leaderboard", str(out), "-o", str(tmp_path / "b.csv")])
    to_stdout = CliRunner().invoke(cli, ["leaderboard", str(out), "-o", "-"])
    assert to_file.exit_code == to_stdout.exit_code == 0
    assert to_stdout.stdout == (tmp_path / "b.csv").read_text()
    assert to_stdout.stdout.startswith("model,judge,")
    table = CliRunner().invoke(cli, ["leaderboard", str(out)])
    assert table.stdout.splitlines()[0].split()[:4] == ["model", "judge", "scored", "mean"]
    assert "subset 2/3" in table.stdout
    picked = CliRunner().invoke(cli, ["leaderboard", str(out), "--columns", "model,n_asked"])
    assert picked.stdout.split() == ["model", "n_asked", "scripted", "2"]
    wrong = CliRunner().invoke(cli, ["leaderboard", str(out), "--columns", "model,n_askd"])
    assert wrong.exit_code == 2 and "(did you mean 'n_asked'?)" in wrong.output


def test_default_folder_names_are_short_and_readable():
    from mentalbench.cli.common import judged_folder, run_folder

    assert run_folder("smollm2") == "smollm2"
    assert run_folder("hf:/models/mistral-7b-instruct-v0.2") == "mistral-7b-instruct-v0.2"
    assert run_folder("hf:/m/llama+lora-run@1a2b3c4d") == "llama-lora-run-1a2b3c4d"
    assert judged_folder(["EmoCareAI/ChatPsychiatrist"]) == "ChatPsychiatrist-judged"
    many = ["EmoCareAI/ChatPsychiatrist", "HuggingFaceH4/zephyr-7b-alpha",
            "Mistral-7B-Instruct-v0.2", *[f"model-{i}" for i in range(22)]]
    name = judged_folder(many)
    assert name.startswith("ChatPsychiatrist-and-24-more-") and name.endswith("-judged")
    assert len(name) <= 60
    assert judged_folder(many) == name != judged_folder(many[:-1])  # a rerun finds its folder


def test_a_folder_under_the_old_long_default_name_is_resumed(tmp_path, monkeypatch):
    from mentalbench.cli.common import default_out

    monkeypatch.chdir(tmp_path)
    assert default_out("x-judged", "org-x-judged") == Path("runs") / "x-judged"
    (tmp_path / "runs" / "org-x-judged").mkdir(parents=True)
    assert default_out("x-judged", "org-x-judged") == Path("runs") / "org-x-judged"
