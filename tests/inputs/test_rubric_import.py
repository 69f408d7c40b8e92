"""FastChat judge prompts become rubric folders that render them byte for byte (issue 14.1)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mentalbench.cli import cli
from mentalbench.errors import InputError
from mentalbench.inputs.rubric import load_rubric
from mentalbench.inputs.rubric_import import import_prompt, listed_metrics, slot_format, slug
from mentalbench.verdicts.parse import parse_ratings

# Our own prompt in FastChat's structure: str.format braces doubled, CRLF line ends, text that
# looks like Jinja2, a brace just before a placeholder, a numbered metric list and, before it,
# a shorter numbered list of steps that must not be taken for the metrics.
TEMPLATE = (
    "[Task]\r\nRead the message and the reply written by a peer-support assistant.\r\n"
    "Steps:\n1. Read: the message first.\n2. Judge: the reply second.\n\n"
    "Rate the reply on a scale of 1 to 10 for each criterion:\n"
    "1. **Warmth & Care**: the reply sounds kind and unhurried.\n"
    "2. Practical Help: its suggestions can be used\n   in daily life.\n"
    "3. Honesty: it promises nothing it cannot keep.\n\n"
    "Write one line per criterion, like \"Warmth & Care: [[7]]\", then your overall verdict "
    "strictly as \"[[rating]]\", for example \"Verdict: [[5]]\". JSON is fine too: "
    "{{\"verdict\": 5}}. Odd text: {{% raw %}} {{# hash #}} {{{{ doubled }}}} and {{"
    "{question}\n\n[Reply]\n{answer}\n[End]")
SYSTEM = "You grade replies with care; {braces} here are literal."
OURS = {"name": "care-v1", "type": "single", "system_prompt": SYSTEM,
        "prompt_template": TEMPLATE, "description": "A test grading prompt",
        "category": "general", "output_format": "[[rating]]"}


def _file(tmp_path, *prompts, extra: str = ""):
    path = tmp_path / "judge_prompts.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in prompts) + extra, encoding="utf-8")
    return path


@pytest.fixture
def prompts(tmp_path):
    pairwise = {**OURS, "name": "pair-v1", "type": "pairwise", "output_format": "[[A]]"}
    return _file(tmp_path, pairwise, OURS)


@pytest.mark.parametrize("question, answer", [
    ("I can't sleep since the move. What helps?", "Try a wind-down hour.\nNo screens."),
    ("Odd {{ input }} with {% tags %}", "An answer with {# marks #}, {{ and }} and \r\n too"),
])
def test_rendered_prompt_is_the_template_byte_for_byte(prompts, tmp_path, question, answer):
    import_prompt(prompts, "care-v1", tmp_path / "care")
    rubric = load_rubric(tmp_path / "care")
    system, user = rubric.messages(question, answer)
    # The texts as the judge is shown them (bracket pairs broken up); the template around them
    # byte for byte.
    assert user == {"role": "user", "content": TEMPLATE.format(
        question=rubric.shown(question), answer=rubric.shown(answer))}
    assert system == {"role": "system", "content": SYSTEM}


def test_metrics_come_from_the_longest_numbered_list(prompts, tmp_path):
    result = import_prompt(prompts, "care-v1", tmp_path / "care")
    rubric = load_rubric(tmp_path / "care")
    assert [(m.key, m.name) for m in rubric.metrics] == [
        ("warmth_care", "Warmth & Care"), ("practical_help", "Practical Help"),
        ("honesty", "Honesty")]
    assert rubric.metrics[1].definition == "its suggestions can be used in daily life."
    assert (rubric.scale.min, rubric.scale.max) == (1, 10)
    assert rubric.overall.key == "overall" and rubric.overall.name == "Verdict"
    assert result.slot == "{name}: [[{rating}]]" and result.warnings == ()


def test_slugs():
    assert slug("Empathy & Validation") == "empathy_validation"
    assert slug("Open-mindedness & Non-judgment") == "open_mindedness_non_judgment"
    assert slug(" **Boundaries & Ethical** ") == "boundaries_ethical"
    assert listed_metrics("intro\n1. A One: x\n2. B Two: y\n") == [("A One", "x"),
                                                                  ("B Two", "y")]


def test_a_verdict_in_the_slot_format_scores_every_slot(prompts, tmp_path):
    import_prompt(prompts, "care-v1", tmp_path / "care")
    rubric = load_rubric(tmp_path / "care")
    verdict = ("The reply is kind but vague.\nWarmth & Care: [[8]]\nPractical Help: [[4]]\n"
               "Honesty: [[9]]\nVerdict: [[6]]")
    assert parse_ratings(verdict, rubric) == {"overall": 6.0, "warmth_care": 8.0,
                                              "practical_help": 4.0, "honesty": 9.0}


def test_metric_options_replace_the_list(prompts, tmp_path):
    result = import_prompt(prompts, "care-v1", tmp_path / "care",
                           ["care=Warmth & Care", "candour=Candour"])
    assert [(m.key, m.name) for m in load_rubric(tmp_path / "care").metrics] == [
        ("care", "Warmth & Care"), ("candour", "Candour")]
    assert result.warnings == ("metric 'Candour' (--metric candour=...) does not appear in "
                               "the prompt's text",)


@pytest.mark.parametrize("fmt, slot, overall", [
    ("[[rating]]", "{name}: [[{rating}]]", True),
    ("", "{name}: [[{rating}]]", False),
    ("[rating]", "{name}: [{rating}]", True),
    ("{rating}/10", "{name}: {{{rating}}}/10", True),
])
def test_output_format_mapping(fmt, slot, overall):
    assert slot_format(fmt, "f") == (slot, overall)


@pytest.mark.parametrize("fmt", ["[[A]]", "[[rating_a,rating_b]]", "[[score]]"])
def test_pairwise_and_unknown_output_formats_are_refused(fmt):
    with pytest.raises(InputError, match=r"^f: field 'output_format': .* not a single-answer"):
        slot_format(fmt, "f")


def test_without_output_format_there_is_no_overall_slot(tmp_path):
    path = _file(tmp_path, {**OURS, "output_format": ""})
    import_prompt(path, "care-v1", tmp_path / "care")
    rubric = load_rubric(tmp_path / "care")
    assert rubric.overall is None and len(rubric.metrics) == 3


def _error(tmp_path, path, *args, **kwargs) -> str:
    out = tmp_path / "never"
    with pytest.raises(InputError) as info:
        import_prompt(path, *args, out=out, **kwargs)
    assert not out.exists() and not list(tmp_path.glob(".never*"))  # nothing half-written
    return str(info.value)


def test_errors_are_one_line_naming_file_line_and_field(tmp_path):
    path = _file(tmp_path, OURS, {**OURS, "name": "no-answer",
                                  "prompt_template": "Q: {question}\n1. A: b"},
                 {**OURS, "name": "multi", "prompt_template": "{question_1} {answer_1}"},
                 {**OURS, "name": "bare", "prompt_template": "{question} {answer} rate it"})
    assert _error(tmp_path, path, "nope") == (
        f"{path}: no prompt named 'nope'; found: care-v1, no-answer, multi, bare")
    assert _error(tmp_path, path, "no-answer") == (
        f"{path}:2: field 'prompt_template': missing placeholder {{answer}} (expected both "
        "{question} and {answer})")
    assert _error(tmp_path, path, "multi").startswith(
        f"{path}:3: field 'prompt_template': unsupported placeholder {{question_1}}")
    assert _error(tmp_path, path, "bare") == (
        f"{path}:4: field 'prompt_template': no numbered \"1. Name: definition\" list of "
        "metrics found; give them with --metric KEY=Name")
    assert _error(tmp_path, path, "care-v1", metric_options=["Bad Key=x"]).startswith(
        "--metric 'Bad Key=x': expected KEY=Name")
    assert _error(tmp_path, path, "care-v1", metric_options=["a=A", "a=B"]) == (
        "--metric: metrics 'A' and 'B' share the key 'a'; give distinct keys with "
        "--metric KEY=Name")
    assert _error(tmp_path, path, "care-v1", metric_options=["a=Same", "b=same"]) == (
        "--metric: two metrics are named 'same'")
    for error in [_error(tmp_path, _file(tmp_path, OURS, extra="{not json\n"), "care-v1"),
                  _error(tmp_path, _file(tmp_path, {**OURS, "system_prompt": 3}), "care-v1")]:
        assert "\n" not in error
    assert _error(tmp_path, _file(tmp_path, OURS, extra="{not json\n"), "care-v1").startswith(
        f"{path}:2: not valid JSON")
    assert _error(tmp_path, _file(tmp_path, {**OURS, "system_prompt": 3}), "care-v1") == (
        f"{path}:1: field 'system_prompt': expected a string")


def test_an_existing_folder_is_kept_unless_forced(prompts, tmp_path):
    out = tmp_path / "care"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(InputError, match="already exists and is not empty"):
        import_prompt(prompts, "care-v1", out)
    assert (out / "mine.txt").read_text() == "keep me"
    import_prompt(prompts, "care-v1", out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["prompt.j2", "repair.j2", "rubric.toml",
                                                     "system.j2"]


def test_importing_again_gives_the_same_rubric_hash(prompts, tmp_path):
    import_prompt(prompts, "care-v1", tmp_path / "a")
    import_prompt(prompts, "care-v1", tmp_path / "b")
    assert load_rubric(tmp_path / "a").sha256 == load_rubric(tmp_path / "b").sha256


def test_repair_asks_in_the_prompt_format(prompts, tmp_path):
    import_prompt(prompts, "care-v1", tmp_path / "care")
    rubric = load_rubric(tmp_path / "care")
    text = rubric.repair_message([rubric.metrics[2], rubric.overall])
    assert text.splitlines()[-2:] == ["Honesty: [[rating]]", "Verdict: [[rating]]"]


# -- the commands -----------------------------------------------------------------------------

def test_import_command(prompts, tmp_path):
    out = tmp_path / "care"
    result = CliRunner().invoke(cli, ["rubric", "import", str(prompts), "--prompt", "care-v1",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{out}: rubric 'care-v1', 3 metrics, overall 'Verdict', scale 1-10, "
        "slot '{name}: [[{rating}]]'",
        "  warmth_care: Warmth & Care", "  practical_help: Practical Help", "  honesty: Honesty"]
    bad = CliRunner().invoke(cli, ["rubric", "import", str(prompts), "--prompt", "pair-v1",
                                   "--out", str(tmp_path / "pair")])
    assert bad.exit_code == 2 and bad.output.splitlines() == [
        f"Error: {prompts}:1: field 'prompt_template': unsupported placeholder {{answer}} (a "
        "pairwise prompt may use only {question}, {answer_a} and {answer_b})"]


def test_show_prints_the_user_message_exactly(prompts, tmp_path):
    import_prompt(prompts, "care-v1", tmp_path / "care")
    runner = CliRunner()
    args = ["rubric", "show", str(tmp_path / "care"), "--question", "Why me?", "--answer",
            "It is not your fault."]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    # stdout_bytes: click's Result.stdout turns the template's \r\n into \n.
    assert result.stdout_bytes == (TEMPLATE.format(question="Why me?",
                                                   answer="It is not your fault.") + "\n").encode()
    both = runner.invoke(cli, [*args, "--system"])
    assert both.stdout_bytes == (SYSTEM + "\n").encode() + result.stdout_bytes
    assert both.stderr == "--- system ---\n--- user ---\n"


def test_show_and_list_know_registered_rubrics():
    runner = CliRunner()
    shown = runner.invoke(cli, ["rubric", "show", "mentalgpt", "--question", "Q1?",
                                "--answer", "A1."])
    assert shown.exit_code == 0 and "Q1?" in shown.stdout and "Empathy & Validation" in \
        shown.stdout
    listed = runner.invoke(cli, ["rubric", "list"]).output.splitlines()
    line = next(x for x in listed if x.startswith("mentalgpt: "))
    assert line.startswith("mentalgpt: 7 metrics + overall - ") and "rubrics/mentalgpt" in line
    missing = runner.invoke(cli, ["rubric", "show", "no-such", "--question", "q",
                                  "--answer", "a"])
    assert missing.exit_code == 2 and missing.output.startswith(
        "Error: rubric 'no-such': no such folder, nor a registered rubric; rubrics: mentalgpt")


def test_an_imported_prompt_judges_a_run_into_the_leaderboard(scripted, tmp_path):
    """FastChat questions and an imported FastChat prompt, through a run to the leaderboard."""
    questions = tmp_path / "question.jsonl"
    questions.write_text("".join(json.dumps({"question_id": i, "category": "stress",
                                             "turns": [text]}) + "\n"
                                 for i, text in enumerate(["i cant stop worrying about work",
                                                           "my sister and i no longer talk"])))
    # Shaped so that the scripted test judge answers it: its system prompt and the markers
    # around the answer are what that double looks for; the rating lines are FastChat-style.
    template = ("You will rate a reply on a scale of 1 to 10.\n"
                "1. Warmth & Care: kind and unhurried.\n2. Honesty: no false promises.\n\n"
                "Question: {question}\n=== BEGIN RESPONSE TO EVALUATE ===\n{answer}\n"
                "=== END RESPONSE TO EVALUATE ===\nEnd with these lines:\n"
                "Warmth & Care: [[rating]]\nHonesty: [[rating]]\nVerdict: [[rating]]")
    prompts = _file(tmp_path, {**OURS, "system_prompt": "You are a fair grader.",
                               "prompt_template": template})
    runner = CliRunner()
    imported = runner.invoke(cli, ["rubric", "import", str(prompts), "--prompt", "care-v1",
                                   "--out", str(tmp_path / "care")])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "run"
    result = runner.invoke(cli, ["run", "-m", "scripted", "-j", "sj", "-q", str(questions),
                                 "--rubric", str(tmp_path / "care"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    judgments = [json.loads(x) for x in (out / "judgments.jsonl").read_text().splitlines()]
    assert len(judgments) == 2 and all(j["rubric"] == "care-v1" for j in judgments)
    assert all(set(j["scores"]) == {"overall", "warmth_care", "honesty"} and
               None not in j["scores"].values() for j in judgments)
    assert all(j["scores"]["overall"] == j["scores"]["honesty"] for j in judgments)  # no repair
    header, *rows = (out / "leaderboard.csv").read_text().splitlines()
    assert {"warmth_care", "honesty", "overall"} <= set(header.split(",")) and len(rows) == 1
