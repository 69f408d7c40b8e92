"""Judgments made elsewhere: FastChat single-mode files and human ratings (issue 14.2)."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.errors import InputError
from mentalbench.inputs.answers import read_answers
from mentalbench.inputs.judgment_import import read_judgments
from mentalbench.inputs.questions import load_questions
from mentalbench.inputs.rubric import load_rubric
from mentalbench.inputs.rubric_import import import_prompt

# Our own grading prompt in FastChat's judge_prompts.jsonl structure.
TEMPLATE = ("Grade the reply below, written to someone asking for support, on a scale of 1 to "
            "10 for each criterion:\n1. Warmth: it sounds patient and kind.\n"
            "2. Practical Help: it offers steps the person can take this week.\n\n"
            "Give one line per criterion, like \"Warmth: [[6]]\", then \"Overall: [[rating]]\".\n"
            "[Message]\n{question}\n[Reply]\n{answer}\n[End]")
PROMPT = {"name": "peer-care-v1", "type": "single", "system_prompt": "You grade fairly.",
          "prompt_template": TEMPLATE, "description": "test prompt", "category": "general",
          "output_format": "[[rating]]"}
QUESTIONS = {81: "I freeze whenever my manager asks me a question in meetings.",
             82: "Since my divorce the evenings feel endless. How do I fill them?",
             83: "My teenage son stopped talking to me. What should I try?"}
ANSWERS = {"calm-7b": {81: "Pause, breathe, and say you will follow up in writing.",
                       82: "Try one small plan per evening: a walk, a call, a class.",
                       83: "Spend low-pressure time together, like driving somewhere."},
           "steady-13b": {81: "Freezing is common. Prepare two notes before each meeting.",
                          82: "Loneliness after a divorce is hard; a support group can help.",
                          83: "Ask about his interests, without pushing for answers."}}
# (warmth, practical help, overall) each judge gave; None: FastChat's call failed ($ERROR$).
RATINGS = {("calm-7b", 81): (7, 8, 7), ("calm-7b", 82): (6, 9, 8), ("calm-7b", 83): (8, 7, 8),
           ("steady-13b", 81): (9, 6, 7), ("steady-13b", 82): (8, 5, 6),
           ("steady-13b", 83): None}


def _jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _verdict(ratings):
    if ratings is None:
        return "$ERROR$"
    warmth, practical, overall = ratings
    return (f"The reply is gentle and concrete.\n\nWarmth: [[{warmth}]]\n"
            f"Practical Help: [[{practical}]]\nOverall: [[{overall}]]")


def _judgment_row(model, qid, ratings, turn=1, **extra):
    return {"question_id": qid, "model": model, "judge": ["gpt-4", "peer-care-v1"],
            "user_prompt": TEMPLATE.format(question=QUESTIONS[qid],
                                           answer=ANSWERS[model][qid]),
            "judgment": _verdict(ratings), "score": -1 if ratings is None else ratings[0],
            "turn": turn, "tstamp": 1700000000.0 + qid, **extra}


@pytest.fixture
def fastchat(tmp_path):
    """A FastChat data folder: questions, two models' answers, a judge prompt, judgments."""
    root = tmp_path / "data"
    _jsonl(root / "question.jsonl", [{"question_id": q, "category": "support", "turns": [t]}
                                     for q, t in QUESTIONS.items()])
    for model, answers in ANSWERS.items():
        _jsonl(root / "model_answer" / f"{model}.jsonl",
               [{"question_id": q, "answer_id": f"{model}-{q}", "model_id": model,
                 "choices": [{"index": 0, "turns": [t, "a second turn"]}], "tstamp": 1.0}
                for q, t in answers.items()])
    _jsonl(root / "judge_prompts.jsonl", [PROMPT])
    rows = [_judgment_row(m, q, r) for (m, q), r in RATINGS.items()]
    rows.append(_judgment_row("calm-7b", 81, (2, 2, 2), turn=2))  # MT-Bench's second turn
    _jsonl(root / "model_judgment" / "gpt-4_single.jsonl", rows)
    return root


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _import(root, out, *extra, source=None):
    return _invoke("judge", "--answers", f"{root}/model_answer/*.jsonl", "--questions",
                   root / "question.jsonl", "--rubric", root / "rubric",
                   "--import-judgments", source or root / "model_judgment" / "gpt-4_single.jsonl",
                   "--out", out, *extra)


def _board(*dirs):
    result = _invoke("leaderboard", *dirs, "-o", "-", "--format", "csv")
    assert result.exit_code == 0, result.output
    return {(r["model"], r["judge"]): r for r in csv.DictReader(io.StringIO(result.stdout))}


def _rows(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


def _rubric(root):
    result = _invoke("rubric", "import", root / "judge_prompts.jsonl", "--prompt", "peer-care-v1",
                     "--out", root / "rubric")
    assert result.exit_code == 0, result.output


def test_fastchat_files_go_through_rubric_import_judge_import_and_leaderboard(fastchat, tmp_path):
    _rubric(fastchat)
    out = tmp_path / "run"
    result = _import(fastchat, out)
    # One FastChat failure is left unscored: that is work left undone, exit 3.
    assert result.exit_code == 3, result.output
    assert (f"{fastchat}/model_judgment/gpt-4_single.jsonl: 1 rows judge a later turn "
            "(MT-Bench's second): skipped") in result.stderr
    assert "1 rows are FastChat failures ($ERROR$, score -1): stored unscored" in result.stderr
    assert "user_prompt" not in result.stderr  # the imported rubric renders what gpt-4 saw
    assert "judgments: 5 of 6 scored (6 made this run," in result.stderr
    assert "checks: 0 new" in result.stderr  # an import runs checks only when asked
    assert not (out / "checks.jsonl").read_text().strip()
    assert "most common cause (1): judge gpt-4: unscored" in result.stderr

    board = _board(out)
    assert set(board) == {("calm-7b", "gpt-4"), ("steady-13b", "gpt-4")}
    calm, steady = board["calm-7b", "gpt-4"], board["steady-13b", "gpt-4"]
    assert (calm["n_scored"], calm["n_total"], calm["n_questions"]) == ("3", "3", "3")
    assert (steady["n_scored"], steady["n_total"], steady["partial"]) == ("2", "3", "True")
    assert {calm["judge_model"], calm["judge_model_served"], calm["mode"]} == {"gpt-4", "import"}
    assert calm["rubric"] == "peer-care-v1"
    assert float(calm["warmth"]) == pytest.approx((7 + 6 + 8) / 3, abs=0.005)
    assert float(calm["practical_help"]) == pytest.approx(8.0)
    assert float(steady["overall"]) == pytest.approx(6.5)  # over the two scored questions only
    assert float(steady["metrics_mean"]) == pytest.approx((9 + 6 + 8 + 5) / 4)

    rows = {(r["model"], r["question_id"]): r for r in _rows(out / "judgments.jsonl")}
    failed = rows["steady-13b", "83"]
    assert failed["status"] == "unscored" and failed["raw"] == "$ERROR$"
    assert failed["scores"] == {"overall": None, "warmth": None, "practical_help": None}
    assert rows["calm-7b", "81"]["scores"] == {"overall": 7.0, "warmth": 7.0,
                                               "practical_help": 8.0}  # turn 1, not turn 2
    user = _judgment_row("calm-7b", 81, None)["user_prompt"]
    system = load_rubric(str(fastchat / "rubric")).messages("q", "a")[0]["content"]
    assert rows["calm-7b", "81"]["prompt_hash"] == hashlib.sha256(
        f"{system}\n{user}".encode()).hexdigest()[:16]  # as a judge's own prompt is hashed
    assert len(_rows(out / "answers.jsonl")) == 6
    [inv] = json.loads((out / "manifest.json").read_text())["invocations"]
    assert inv["exit_status"] == 3 and inv["imports"]["judgments"] == 6
    assert inv["imports"]["rows"] == 7 and inv["imports"]["prompts"] == {"gpt-4": "peer-care-v1"}

    # The same file again stores nothing new; --allow-unscored makes the exit 0.
    store = (out / "judgments.jsonl").read_text()
    again = _import(fastchat, out, "--allow-unscored")
    assert again.exit_code == 0, again.output
    assert "judgments: 5 of 6 scored (0 made this run," in again.stderr
    assert (out / "judgments.jsonl").read_text() == store
    checked = _import(fastchat, out, "--allow-unscored", "--checks")
    assert checked.exit_code == 0 and "checks: 0 new" not in checked.stderr
    assert (out / "checks.jsonl").read_text().strip()
    assert len(json.loads((out / "manifest.json").read_text())["invocations"]) == 3

    # ... and on to the report, which treats imported judgments like any other.
    pytest.importorskip("scipy")
    report = CliRunner().invoke(cli, ["report", str(out), "--out", str(tmp_path / "report"),
                                      "--resamples", "200"])
    assert report.exit_code == 0, report.output
    scores = list(csv.DictReader((tmp_path / "report" / "scores.csv").open()))
    assert {(r["model"], r["judge"]) for r in scores if r["metric"] == "warmth"} == {
        ("calm-7b", "gpt-4"), ("steady-13b", "gpt-4")}


def test_human_ratings_become_one_judge_per_rater(fastchat, tmp_path):
    _rubric(fastchat)
    ratings = fastchat / "ratings.csv"
    ratings.write_text(
        "question_id,model,rater,warmth,practical_help,overall,notes\n"
        "81,calm-7b,ana,8,7,7,\n82,calm-7b,ana,6,8.5,7,\"kind, but long\"\n"
        "83,calm-7b,ana,7,,6,\n"  # a rating left empty: partial, never 0
        "81,steady-13b,ana,9,6,8,\n81,calm-7b,ben,5,5,5,\n", encoding="utf-8")
    out = tmp_path / "run"
    result = _import(fastchat, out, "--allow-unscored", source=ratings)
    assert result.exit_code == 0, result.output
    board = _board(out)
    assert set(board) == {("calm-7b", "human:ana"), ("steady-13b", "human:ana"),
                          ("calm-7b", "human:ben")}
    ana = board["calm-7b", "human:ana"]
    assert (ana["judge_model"], ana["mode"], ana["n_total"], ana["n_scored"]) == (
        "human", "import", "3", "2")
    assert float(ana["practical_help"]) == pytest.approx(7.75)
    assert float(board["calm-7b", "human:ben"]["overall"]) == 5.0
    rows = {(r["judge"], r["model"], r["question_id"]): r for r in _rows(out / "judgments.jsonl")}
    partial = rows["human:ana", "calm-7b", "83"]
    assert partial["status"] == "partial" and partial["scores"]["practical_help"] is None
    assert "notes: kind, but long" in rows["human:ana", "calm-7b", "82"]["raw"]

    # LLM judgments and human ratings of the same answers sit side by side in one run folder.
    _import(fastchat, out, "--allow-unscored")
    assert {j for _, j in _board(out)} == {"gpt-4", "human:ana", "human:ben"}


def _bad_fastchat(root, rows):
    return _jsonl(root / "bad" / "judgments.jsonl", rows)


@pytest.mark.parametrize("make, message", [
    (lambda r: _bad_fastchat(r, [_judgment_row("calm-7b", 81, (1, 1, 1)),
                                 {**_judgment_row("calm-7b", 82, (1, 1, 1)), "model": "nobody"}]),
     ":2: model 'nobody' matches no answers file by file name or model id (given: calm-7b, "
     "steady-13b)"),
    (lambda r: _bad_fastchat(r, [{**_judgment_row("calm-7b", 81, (1, 1, 1)),
                                  "question_id": 99}]),
     ":1: question_id '99' is not in question set 'question' (pass --questions)"),
    (lambda r: _bad_fastchat(r, [{k: v for k, v in _judgment_row("calm-7b", 81, (1, 1, 1))
                                  .items() if k != "judgment"}]),
     ":1: field 'judgment': expected a string"),
    (lambda r: _bad_fastchat(r, [_judgment_row("calm-7b", 81, (1, 1, 1)),
                                 {**_judgment_row("calm-7b", 82, (1, 1, 1)),
                                  "judge": ["gpt-4", "single-math-v1"]}]),
     ":2: field 'judge': prompt 'single-math-v1' after 'peer-care-v1' (line 1) for judge "
     "'gpt-4'; one import is one prompt and rubric: split the file by prompt"),
    (lambda r: _write(r / "bad.csv", "question_id,model,rater,warmth,overall\n"),
     ":1: missing column practical_help (expected question_id, model, rater and one column "
     "per key of rubric 'peer-care-v1')"),
    (lambda r: _write(r / "bad.csv", "question_id,model,rater,warmth,practical_help,overall\n"
                                     "81,calm-7b,ana,8,7,7\n82,calm-7b,ana,8,11,7\n"),
     ":3: column 'practical_help': expected a number from 1 to 10 or empty, got '11'"),
    (lambda r: _write(r / "bad.csv", "question_id,model,rater,warmth,practical_help,overall\n"
                                     "81,calm-7b,ana,8,7,nan\n"),
     ":2: column 'overall': expected a number from 1 to 10 or empty, got 'nan'"),
    (lambda r: _write(r / "bad.csv", "question_id,model,rater,warmth,practical_help,overall\n"
                                     "81,calm-7b,ana,8,7,good\n"),
     ":2: column 'overall': expected a number from 1 to 10 or empty, got 'good'"),
    (lambda r: _write(r / "bad.csv", "question_id,model,rater,warmth,practical_help,overall\n"
                                     "81,calm-7b,ana,8,7,7\n81,calm-7b,ana,8,7,6\n"),
     ":3: rater 'ana' rated model 'calm-7b' on question '81' already (line 2)"),
    (lambda r: _write(r / "bad.csv", "question_id,model,rater,warmth,practical_help,overall\n"
                                     "81,calm-7b,,8,7,7\n"),
     ":2: column 'rater': expected a value"),
])
def test_a_bad_row_is_one_line_exit_2_and_nothing_is_written(fastchat, tmp_path, make, message):
    _rubric(fastchat)
    source = make(fastchat)
    out = tmp_path / "run"
    result = _import(fastchat, out, source=source)
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"Error: {source}{message}"]
    assert not out.exists()


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_import_into_a_run_folder_leaves_it_as_it_was(fastchat, tmp_path):
    _rubric(fastchat)
    out = tmp_path / "run"
    assert _import(fastchat, out, "--allow-unscored").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = _write(fastchat / "bad.csv", "question_id,model,rater,warmth,practical_help,overall\n"
                                       "81,calm-7b,ana,8,7,7\n83,calm-7b,ana,0,7,7\n")
    assert _import(fastchat, out, source=bad).exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_judges_and_import_name_are_refused_where_they_do_not_apply(fastchat, tmp_path):
    _rubric(fastchat)
    with_judge = _import(fastchat, tmp_path / "a", "-j", "gpt4")
    assert with_judge.exit_code == 2 and with_judge.output.splitlines() == [
        "Error: --import-judgments: the file's judges judge; -j/--judge and --judge-opt are "
        "not allowed with it"]
    name_alone = _invoke("judge", "--answers", fastchat / "model_answer" / "calm-7b.jsonl",
                         "--questions", fastchat / "question.jsonl", "--import-name", "x",
                         "--out", tmp_path / "b")
    assert name_alone.exit_code == 2 and name_alone.output.splitlines() == [
        "Error: --import-name: only with --import-judgments"]
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_import_name_renames_the_judge_and_dry_run_writes_nothing(fastchat, tmp_path):
    _rubric(fastchat)
    out = tmp_path / "run"
    dry = _import(fastchat, out, "--import-name", "gpt4-paper", "--dry-run")
    assert dry.exit_code == 0 and dry.output.splitlines()[-1] == (
        f"Dry run for {out}: would store 6 imported judgments (5 scored); no model is called.")
    assert not out.exists()
    _import(fastchat, out, "--import-name", "gpt4-paper")
    row = _board(out)["calm-7b", "gpt4-paper"]
    assert (row["judge_model"], row["n_scored"]) == ("gpt-4", "3")


# -- the reader on its own --------------------------------------------------------------------

@pytest.fixture
def loaded(fastchat):
    import_prompt(fastchat / "judge_prompts.jsonl", "peer-care-v1", fastchat / "rubric")
    files = [f for m in ANSWERS for f in read_answers(fastchat / "model_answer" / f"{m}.jsonl")]
    return files, load_questions(fastchat / "question.jsonl"), load_rubric(fastchat / "rubric")


def test_a_judgment_matches_answers_by_model_id_too(loaded, fastchat):
    files, questions, rubric = loaded
    renamed = fastchat / "model_answer" / "renamed.jsonl"
    renamed.write_text((fastchat / "model_answer" / "calm-7b.jsonl").read_text()
                       .replace('"calm-7b"', '"calm-7b-chat"'))
    files = [files[1], *read_answers(renamed)]
    source = _bad_fastchat(fastchat, [{**_judgment_row("calm-7b", 81, (4, 5, 6)),
                                       "model": "calm-7b-chat", "judge": "gpt-4",
                                       "user_prompt": "Rate this: " + ANSWERS["calm-7b"][81]},
                                      {**_judgment_row("steady-13b", 81, (4, 5, 6))}])
    imported = read_judgments(source, files, questions, rubric)
    assert [(j.model, j.judge, j.judge_model) for j in imported.judgments] == [
        ("calm-7b-chat", "gpt-4", "gpt-4"), ("steady-13b", "gpt-4", "gpt-4")]
    assert imported.judgments[0].answer_key == files[1].answers[0].key
    # The first row was judged with another prompt: stored unscored, with the reason, and the
    # note names the question and the first line that differs.
    assert [j.status for j in imported.judgments] == ["unscored", "scored"]
    assert "question '81'" in imported.reasons[imported.judgments[0].key]
    assert imported.judgments[1].key not in imported.reasons
    (note,) = imported.notes
    assert note.startswith(f"{source}: in 1 of 2 rows the user_prompt is not what rubric "
                           "'peer-care-v1' renders for that question and answer")
    assert "stored unscored" in note and f"first: question '81' ({source}:1), line 1: " in note
    assert "the file has 'Rate this: " in note
    # --accept-prompt-mismatch keeps the old behaviour: the ratings are stored as given.
    kept = read_judgments(source, files, questions, rubric, accept_prompt_mismatch=True)
    assert [j.status for j in kept.judgments] == ["scored", "scored"] and not kept.reasons
    assert "their ratings are kept" in kept.notes[0]


def test_a_row_repeated_later_in_the_file_replaces_the_earlier(loaded, fastchat):
    files, questions, rubric = loaded
    source = _bad_fastchat(fastchat, [_judgment_row("calm-7b", 81, None),
                                      _judgment_row("calm-7b", 82, (3, 3, 3)),
                                      _judgment_row("calm-7b", 81, (9, 9, 9))])
    imported = read_judgments(source, files, questions, rubric)
    assert [(j.question_id, j.score("overall")) for j in imported.judgments] == [
        ("81", 9.0), ("82", 3.0)]
    assert f"{source}: 1 rows judge an answer judged earlier in the file by the same judge: " \
           "the later row is kept" in imported.notes


def test_a_judgment_whose_text_the_rubric_cannot_read_is_unscored_not_minus_one(loaded, fastchat):
    files, questions, rubric = loaded
    source = _bad_fastchat(fastchat, [{**_judgment_row("calm-7b", 81, (5, 5, 5)),
                                       "judgment": "I would rather not rate this.",
                                       "score": -1}])
    [judgment] = read_judgments(source, files, questions, rubric).judgments
    assert judgment.status == "unscored" and {s.value for s in judgment.scores} == {None}


def test_an_import_name_is_only_for_fastchat_files(loaded, fastchat):
    files, questions, rubric = loaded
    ratings = _write(fastchat / "r.csv", "question_id,model,rater,warmth,practical_help,overall\n"
                                         "81,calm-7b,ana,8,7,7\n")
    with pytest.raises(InputError, match="^--import-name: only for FastChat judgments"):
        read_judgments(ratings, files, questions, rubric, name="x")
