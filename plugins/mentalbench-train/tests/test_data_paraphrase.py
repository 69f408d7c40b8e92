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


def _paraphrase(folder, out, *extra, turns="2"):
    """Both turns in one request unless `turns` says otherwise (None: the command's default)."""
    return CliRunner().invoke(doubles.data_cli(), [
        "data", "paraphrase", "--model", "scripted-data", "--transcripts", str(folder),
        "--out", str(out), *extra, *(["--turns-per-request", turns] if turns else [])])


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


@pytest.fixture
def turn_pages(tmp_path):
    folder = tmp_path / "turns"
    folder.mkdir()
    markers = ["", "[[short]]", "[[garbage]]", "[[voice]]", "[[example]]", "[[refusal]]",
               "[[counselor-short]]", "[[error]]", "[[counselor-error]]"]
    (folder / "c.txt").write_text("\f".join(
        f"Therapist: How was the week?\nCaregiver: {m} {SECRET} again, page {i}."
        for i, m in enumerate(markers, 1)))
    return folder


def test_one_turn_a_request_is_the_default_for_in_process_models(scripted, turn_pages,
                                                                  tmp_path):
    out = tmp_path / "interview.jsonl"
    result = _paraphrase(turn_pages, out, turns=None)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "Kept: 1; dropped: 6 (patient off-format 3, counselor too-short 1, patient refusal 1, "
        "patient too-short 1); failed: 2")
    # The caregiver's turn of every page, then the counselor's turn of the four that passed.
    patient = [r for r in scripted.requests if "The caregiver says:" not in r[-1]["content"]]
    counselor = [r for r in scripted.requests if "The caregiver says:" in r[-1]["content"]]
    assert (len(patient), len(counselor)) == (9, 3)
    assert patient[0][-1]["content"] == prompts.PARAPHRASE_PATIENT_PROMPT.format(
        page=f"Therapist: How was the week?\nCaregiver:  {SECRET} again, page 1.")
    assert [m["role"] for m in patient[0]] == ["system", "user", "assistant", "user"]
    assert patient[0][2]["content"] == prompts.EXAMPLE_PATIENT  # the worked example
    (row,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert row["instruction"].startswith("I care for my mother")  # "**Caregiver:**" removed
    assert row["output"].startswith("It sounds exhausting")
    assert counselor[0][-1]["content"].endswith(f"The caregiver says:\n{row['instruction']}"
                                                "\n\nWrite the counselor's reply to the "
                                                "caregiver, giving the guidance and support "
                                                "offered on this page in a caring, ethical and "
                                                "professional way. Write more than 50 words. "
                                                "Reply with the counselor's words only.")
    assert row["prompt_hash"] == prompts.PARAPHRASE_TURNS_HASH and row["page"] == 1
    manifest = json.loads((tmp_path / "interview.jsonl.manifest.json").read_text())
    assert manifest["turns_per_request"] == 1 and manifest["calls"] == 10
    assert SECRET not in json.dumps(manifest) and check_examples(out)[1] == []


def test_one_turn_a_request_resumes_and_keeps_its_mode(scripted, turn_pages, tmp_path):
    out = tmp_path / "interview.jsonl"
    _paraphrase(turn_pages, out, "--turns-per-request", "1", turns=None)
    scripted.reset()
    again = _paraphrase(turn_pages, out, turns=None)
    # Only the two failed calls are asked again: page 8's caregiver turn, page 9's counselor's.
    assert len(scripted.requests) == 2 and "failed: 2" in again.output
    assert "Kept: 1; dropped: 6" in again.output
    other = _paraphrase(turn_pages, out, turns="2")
    assert other.exit_code == 2
    assert "started with turns_per_request=1, now 2" in other.output
