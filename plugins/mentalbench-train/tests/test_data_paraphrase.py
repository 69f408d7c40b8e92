"""`data paraphrase`: pages into Patient/Counselor rows, drop reasons, resume, and the manifest."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from mentalbench_train.data import prompts
from mentalbench_train.datasets import check_examples
from mentalbench_train.mixing import mix

try:
    from . import data_doubles as doubles
except ImportError:
    import data_doubles as doubles

SECRET = "Ingrid cried at the window"  # page text that must never reach a log or manifest


@pytest.fixture
def transcripts(tmp_path):
    folder = tmp_path / "transcripts"
    (folder / "site-b").mkdir(parents=True)
    (folder / "one.txt").write_text(
        f"Therapist: Tell me about the evenings.\nCaregiver: {SECRET} again last night.\f"
        "Therapist: And your own health?\nCaregiver: [[short]] I skip meals.\f"
        "\f"  # a blank page
        "Caregiver: [[garbage]] We argue about money.\f"
        "Caregiver: [[error]] Nobody visits any more.\n")
    (folder / "site-b" / "two.txt").write_text(
        "Page 1\nTherapist: How did the move go?\nCaregiver: He did not recognise the room.\n"
        "Page 2\nCaregiver: [[refusal]] I want to stop all of this.\n")
    return folder


def _paraphrase(folder, out, *extra):
    return CliRunner().invoke(doubles.data_cli(), [
        "data", "paraphrase", "--model", "scripted-data", "--transcripts", str(folder),
        "--out", str(out), *extra])


def test_pages_kept_dropped_and_failed_are_reported(scripted, transcripts, tmp_path):
    out = tmp_path / "interview.jsonl"
    result = _paraphrase(transcripts, out)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Pages: 7 in 2 files (split by form-feed 5, marker 2)"
    assert lines[1] == ("Kept: 2; dropped: 4 (empty page 1, no Patient/Counselor turns 1, "
                        "refusal 1, too-short 1); failed: 1")
    assert "1 pages failed (model errors): run the same command again" in result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r["file"], r["page"]) for r in rows] == [("one.txt", 1), ("site-b/two.txt", 1)]
    for r in rows:
        assert r["source"] == "interview" and r["generator"] == "scripted-data"
        assert r["prompt_hash"] == prompts.PARAPHRASE_HASH
        assert r["instruction"].startswith("I care for my mother")
        assert r["output"].startswith("It sounds exhausting")
    assert check_examples(out)[1] == []
    assert len(scripted.requests) == 6  # the blank page is never sent


def test_manifest_and_logs_name_pages_but_hold_no_text(scripted, transcripts, tmp_path):
    out = tmp_path / "interview.jsonl"
    result = _paraphrase(transcripts, out)
    manifest_text = (tmp_path / "interview.jsonl.manifest.json").read_text()
    manifest = json.loads(manifest_text)
    assert SECRET not in manifest_text and SECRET not in result.output
    assert "Ingrid" not in manifest_text
    outcomes = {(p["file"], p["page"]): p["status"] for p in manifest["page_outcomes"]}
    assert outcomes == {("one.txt", 1): "kept", ("one.txt", 2): "dropped",
                        ("one.txt", 3): "dropped", ("one.txt", 4): "dropped",
                        ("one.txt", 5): "failed", ("site-b/two.txt", 1): "kept",
                        ("site-b/two.txt", 2): "dropped"}
    assert (manifest["pages"], manifest["kept"], manifest["failed"]) == (7, 2, 1)
    # The sidecar state holds model replies (as private as the rows) but no transcript text.
    import sqlite3

    db = sqlite3.connect(tmp_path / "interview.jsonl.state.sqlite")
    dumped = "\n".join(db.iterdump())
    db.close()
    assert SECRET not in dumped


def test_rerun_retries_only_failed_pages_and_redecides_from_stored_replies(
        scripted, transcripts, tmp_path):
    out = tmp_path / "interview.jsonl"
    _paraphrase(transcripts, out)
    (transcripts / "one.txt").write_text(
        (transcripts / "one.txt").read_text().replace("[[error]] ", ""))
    scripted.reset()
    result = _paraphrase(transcripts, out, "--min-words", "2")
    # Only the edited page is asked; the stored short reply now passes the lower bar.
    assert [r[-1]["content"].count("Nobody visits") for r in scripted.requests] == [1]
    assert "Kept: 4; dropped: 3" in result.output and "failed: 0" in result.output
    assert len(out.read_text().splitlines()) == 4


def test_synthetic_and_interview_files_mix_for_training(scripted, transcripts, tmp_path):
    interview, synthetic = tmp_path / "interview.jsonl", tmp_path / "synthetic.jsonl"
    _paraphrase(transcripts, interview)
    result = CliRunner().invoke(doubles.data_cli(), [
        "data", "synth", "--model", "scripted-data", "--count", "3", "--out", str(synthetic),
        "--no-dedup", "--min-words", "50"])
    assert result.exit_code == 0, result.output
    files = [(p, check_examples(p)[0]) for p in (synthetic, interview)]
    both = mix(files, eval_fraction=0.0, seed=0)
    assert len(both.train) == 5
    assert [s.rows for s in both.sources] == [3, 2]


def test_bad_transcripts_path_is_one_line(scripted, tmp_path):
    result = _paraphrase(tmp_path / "nowhere", tmp_path / "x.jsonl")
    assert result.exit_code == 2
    assert result.output.strip() == (f"Error: --transcripts {str(tmp_path / 'nowhere')!r}: "
                                     "no such file or folder")


PAGES = [
    "Therapist: How have the nights been since we last met?\nCaregiver: Long. My father gets up "
    "at two and dresses for work he retired from twenty years ago. I walk him back to bed and "
    "then I cannot sleep myself. I feel guilty that I get angry with him.",
    "Therapist: Who else helps you with his care?\nCaregiver: My brother calls on Sundays but he "
    "lives far away. I have not seen a friend in months. I used to sing in a choir.",
]


@pytest.mark.slow
def test_embedded_model_end_to_end(tmp_path):
    """The real local model on pages written for this test: whatever it writes is counted."""
    folder = tmp_path / "tr"
    folder.mkdir()
    (folder / "a.txt").write_text("\f".join(PAGES))
    (folder / "b.txt").write_text("Page 1\n" + PAGES[1].replace("brother", "sister"))
    out = tmp_path / "interview.jsonl"
    args = ["data", "paraphrase", "--model", "smollm2", "--model-opt", "max_new_tokens=32",
            "--transcripts", str(folder), "--out", str(out)]
    result = CliRunner().invoke(doubles.data_cli(), args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Pages: 3 in 2 files (split by form-feed 2, marker 1)\n")
    manifest = json.loads((tmp_path / "interview.jsonl.manifest.json").read_text())
    assert manifest["kept"] + sum(manifest["dropped"].values()) + manifest["failed"] == 3
    assert manifest["calls"] == 3
    rows = [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []
    assert len(rows) == manifest["kept"]
    assert all(len(r["instruction"].split()) >= 40 and len(r["output"].split()) >= 40
               for r in rows)
    again = CliRunner().invoke(doubles.data_cli(), args, catch_exceptions=False)
    assert "this run: 0 prompt + 0 output tokens" in again.output  # nothing asked twice
