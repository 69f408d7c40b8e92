"""docs/data.md cannot drift: the prompts verbatim, every option named, the topic weights."""

from __future__ import annotations

from pathlib import Path

import pytest
from mentalbench_train.data import plugin, prompts

from mentalbench.inputs.topics import COUNSELCHAT_TOPICS

DOC = Path(__file__).resolve().parents[3] / "docs" / "data.md"


@pytest.mark.parametrize("name", ["SYNTH_MESSAGES_SYSTEM", "SYNTH_MESSAGES_PROMPT",
                                  "SYNTH_MESSAGE_SYSTEM", "SYNTH_MESSAGE_PROMPT",
                                  "SYNTH_ANSWER_SYSTEM", "PARAPHRASE_SYSTEM",
                                  "PARAPHRASE_PROMPT", "PARAPHRASE_TURN_SYSTEM",
                                  "PARAPHRASE_PATIENT_PROMPT", "PARAPHRASE_COUNSELOR_PROMPT",
                                  "EXAMPLE_PAGE", "EXAMPLE_PATIENT", "EXAMPLE_COUNSELOR"])
def test_prompts_are_quoted_verbatim(name):
    assert f"```text\n{getattr(prompts, name)}\n```" in DOC.read_text()


@pytest.mark.parametrize("command", [plugin.synth, plugin.paraphrase])
def test_every_option_is_documented(command):
    text = DOC.read_text()
    for param in command.params:
        for flag in param.opts:
            if flag.startswith("--"):
                assert flag in text, f"{command.name} {flag} missing from docs/data.md"


def test_topic_table_lists_the_weights():
    text = DOC.read_text()
    for topic, weight in COUNSELCHAT_TOPICS.items():
        assert f"| {topic} | {int(weight)} |" in text


def test_the_documented_refusal_is_the_real_one(tmp_path):
    from click.testing import CliRunner

    try:
        from . import data_doubles as doubles
    except ImportError:
        import data_doubles as doubles

    (tmp_path / "t.txt").write_text("Caregiver: a page of text.")
    result = CliRunner().invoke(doubles.data_cli(), [
        "data", "paraphrase", "--model", "openai:gpt-4o", "--transcripts", str(tmp_path),
        "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    documented = [line.strip() for line in DOC.read_text().splitlines()
                  if line.strip().startswith("Error: refusing")]
    assert documented == [result.output.strip()]
