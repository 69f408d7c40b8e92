"""Both pipelines with the embedded model on the CPU, default settings, from rows to training.

SmolLM2-135M writes weak text; these tests check that what it keeps is what it wrote, that it
passes the filters, and that the training command takes it. Greedy decoding makes them
repeatable.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from mentalbench_train.data import prompts
from mentalbench_train.data.filters import check_answer, check_message, check_turn
from mentalbench_train.datasets import check_examples

from mentalbench.cli import cli

try:
    from . import data_doubles as doubles
except ImportError:
    import data_doubles as doubles

PAGES = [
    "Therapist: How have the nights been since we last met?\nCaregiver: Long. My father gets up "
    "at two and dresses for work he retired from twenty years ago. I walk him back to bed and "
    "then I cannot sleep myself. I feel guilty that I get angry with him.",
    "Therapist: Who else helps you with his care?\nCaregiver: My brother calls on Sundays but he "
    "lives far away. I have not seen a friend in months. I used to sing in a choir.",
]


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.slow
def test_embedded_synth_writes_a_row_that_training_takes(tmp_path):
    out = tmp_path / "s.jsonl"
    args = ["data", "synth", "--model", "smollm2", "--count", "1", "--out", str(out)]
    result = CliRunner().invoke(doubles.data_cli(), args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"Rows: 1 of 1 in {out} (1 new)" in result.stdout
    (row,) = _rows(out)
    assert row["generator"] == "smollm2" and row["source"] == "synthetic"
    assert row["prompt_hashes"]["messages"] == prompts.SYNTH_MESSAGE_HASH
    assert check_message(row["instruction"], 100) is None
    assert check_answer(row["output"], row["instruction"], 100) is None
    # What was kept is the model's reply itself: the stored stage-1 and stage-2 texts.
    import sqlite3

    db = sqlite3.connect(tmp_path / "s.jsonl.state.sqlite")
    replies = [text for (text,) in db.execute("SELECT text FROM calls")]
    db.close()
    assert row["instruction"] in replies and row["output"] in replies
    calls = re.search(r"^Calls: messages (\d+), answers (\d+);", result.stdout, re.M)
    assert int(calls.group(2)) >= 1
    assert check_examples(out)[1] == []

    adapter = tmp_path / "adapter"
    trained = CliRunner().invoke(cli, [
        "train", "--base", "smollm2", "--data", str(out), "--out", str(adapter),
        "--max-steps", "1", "--batch-size", "1", "--grad-accum", "1", "--lora-r", "8",
        "--eval-fraction", "0"], catch_exceptions=False)
    assert trained.exit_code == 0, trained.output
    manifest = json.loads((adapter / "manifest.json").read_text())
    assert manifest["data"][0]["rows"] == 1
    assert (adapter / "adapter_config.json").is_file()


@pytest.mark.slow
def test_embedded_paraphrase_keeps_a_pair(tmp_path):
    folder = tmp_path / "tr"
    folder.mkdir()
    (folder / "a.txt").write_text("\f".join(PAGES))
    out = tmp_path / "interview.jsonl"
    args = ["data", "paraphrase", "--model", "smollm2", "--transcripts", str(folder),
            "--out", str(out)]
    result = CliRunner().invoke(doubles.data_cli(), args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Pages: 2 in 1 files (split by form-feed 2)\n")
    manifest = json.loads((tmp_path / "interview.jsonl.manifest.json").read_text())
    assert manifest["turns_per_request"] == 1
    assert manifest["kept"] + sum(manifest["dropped"].values()) + manifest["failed"] == 2
    rows = _rows(out)
    assert len(rows) == manifest["kept"] >= 1
    for r in rows:
        assert check_turn(r["instruction"], "patient", 40, prompts.EXAMPLE_PATIENT) is None
        assert check_turn(r["output"], "counselor", 40, prompts.EXAMPLE_COUNSELOR) is None
    assert check_examples(out)[1] == []
    again = CliRunner().invoke(doubles.data_cli(), args, catch_exceptions=False)
    assert "this run: 0 prompt + 0 output tokens" in again.output  # nothing asked twice
