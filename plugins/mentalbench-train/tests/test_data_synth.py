"""`data synth` on a scripted model and on a local OpenAI-protocol server: rows, drops, resume."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from mentalbench_train.data import prompts
from mentalbench_train.data.state import RowWriter
from mentalbench_train.data.synth import SynthPlan, SynthRun
from mentalbench_train.data.topics import draw_topics, draw_writer
from mentalbench_train.datasets import check_examples

from mentalbench.errors import InputError
from mentalbench.models.progress import Reporter

try:
    from . import data_doubles as doubles
except ImportError:
    import data_doubles as doubles

TOPICS = {"Anxiety": 2.0, "Grief and Loss": 1.0, "Caregiving": 1.0}


def _run(out, count, *, batch_size=3, max_batches=None, embed=doubles.bag_of_words,
         threshold=0.9, min_words=50):
    from mentalbench.plugins.registry import get_registry

    plan = SynthPlan(out=out, count=count, batch_size=batch_size, weights=TOPICS,
                     topics_from="test", min_words=min_words, dedup_threshold=threshold,
                     max_batches=max_batches)
    run = SynthRun(plan, get_registry().get_model("scripted-data"), Reporter(), embed)
    try:
        return run.run()
    finally:
        run.close()


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def _batch_requests(script):
    return [int(re.search(r"set number (\d+)", r[-1]["content"]).group(1))
            for r in script.requests if "Topics:\n" in r[-1]["content"]]


def test_rows_carry_what_training_and_provenance_need(scripted, tmp_path):
    out = tmp_path / "s.jsonl"
    s = _run(out, 6)
    rows = _rows(out)
    assert (s.rows, s.new_rows, len(rows)) == (6, 6, 6)
    assert _batch_requests(scripted) == [1, 2]
    assert len({r["id"] for r in rows}) == 6
    for r in rows:
        assert r["source"] == "synthetic" and r["generator"] == "scripted-data"
        assert r["topic"] in TOPICS
        assert r["prompt_hashes"] == {"messages": prompts.SYNTH_MESSAGES_HASH,
                                      "answer": prompts.SYNTH_ANSWER_HASH}
        assert r["instruction"].startswith("I keep thinking about")
        assert r["output"].startswith("Thank you for telling me this")
        assert "input" not in r  # the loader would read it as the patient's turn
    examples, problems = check_examples(out)
    assert problems == [] and len(examples) == 6
    assert examples[0].messages[0] == {"role": "user", "content": rows[0]["instruction"]}
    # Each stage-2 request carries one stage-1 message as the user's turn.
    answered = [r[-1]["content"] for r in scripted.requests if r[0]["content"].startswith(
        "You are an experienced, warm counselor")]
    assert sorted(answered) == sorted(r["instruction"] for r in rows)


def test_malformed_output_is_counted_not_crashed_on_and_resumed(scripted, tmp_path):
    out = tmp_path / "s.jsonl"
    scripted.batches = {1: "good", 2: "dup", 3: "garbage", 4: "refusal", 5: "short",
                        6: "partial", 7: "error"}
    s = _run(out, 10, max_batches=7)
    assert _batch_requests(scripted) == [1, 2, 3, 4, 5, 6, 7]
    assert (s.rows, s.batches, s.unparsed_batches, s.failed_calls) == (5, 6, 2, 1)
    assert (s.messages, s.missing) == (11, 7)
    assert s.dropped == {"duplicate": 3, "too-short": 3}
    assert len(_rows(out)) == 5
    # Rerun: nothing already asked is asked again; set 7 (failed) is asked anew. Five usable
    # messages from six sets so far: five more rows need six sets (the run's cap).
    scripted.reset()
    s = _run(out, 10)
    assert _batch_requests(scripted) == [7, 8, 9, 10, 11, 12]
    assert (s.rows, s.new_rows, s.waiting) == (10, 5, 13)
    assert len({r["id"] for r in _rows(out)}) == 10
    # A finished file costs nothing to rerun.
    scripted.reset()
    s = _run(out, 10)
    assert scripted.requests == [] and s.new_rows == 0


def test_truncated_replies_lose_their_last_item(scripted, tmp_path):
    scripted.batches = {1: "truncated"}
    s = _run(tmp_path / "s.jsonl", 3, max_batches=1)
    assert s.dropped == {"truncated": 1} and s.rows == 2


def test_bad_answers_are_dropped_and_failed_ones_retried(scripted, tmp_path):
    out = tmp_path / "s.jsonl"
    refused, failed = doubles.message_text("1-2"), doubles.message_text("1-3")
    scripted.answers = {refused: "refusal", failed: "error"}
    s = _run(out, 3, max_batches=1)
    assert (s.rows, s.failed_calls, s.waiting) == (1, 1, 1)
    assert s.dropped == {"answer refusal": 1}
    scripted.reset()
    s = _run(out, 3, max_batches=0)
    assert (s.rows, s.new_rows) == (2, 1)
    assert [r[-1]["content"] for r in scripted.requests] == [failed]


def test_dedup_uses_everything_kept_in_earlier_runs(scripted, tmp_path):
    out = tmp_path / "s.jsonl"
    _run(out, 3)
    scripted.reset()
    scripted.batches = {2: "dup"}
    s = _run(out, 6)
    assert s.dropped == {"duplicate": 3} and (s.rows, s.waiting) == (6, 3)
    # Set 2 gave nothing new: 3 usable messages in 2 sets so far, so 3 more need 2 sets.
    assert _batch_requests(scripted) == [2, 3, 4]


def test_an_interrupted_run_resumes_without_asking_twice(scripted, tmp_path):
    out = tmp_path / "s.jsonl"
    scripted.interrupt_on_call = 2  # the first answers chunk
    with pytest.raises(KeyboardInterrupt):
        _run(out, 3)
    assert not out.exists()
    scripted.reset()
    s = _run(out, 3)
    assert _batch_requests(scripted) == [] and s.rows == 3


def test_a_torn_last_line_is_cut_and_a_foreign_file_refused(tmp_path):
    out = tmp_path / "s.jsonl"
    out.write_text('{"id": "a", "instruction": "x", "output": "y"}\n{"id": "b", "instr')
    writer = RowWriter(out)
    assert writer.ids == {"a"} and out.read_text().endswith('"y"}\n')
    writer.write([{"id": "a"}, {"id": "c"}])
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["a", "c"]
    other = tmp_path / "other.jsonl"
    other.write_text('{"instruction": "x", "output": "y"}\n')
    with pytest.raises(InputError, match=r"other.jsonl:1: not a row written by mentalbench"):
        RowWriter(other)
    single = tmp_path / "single.jsonl"  # one foreign line without a newline: left untouched
    single.write_text('{"instruction": "x", "output": "y"}')
    with pytest.raises(InputError, match=r"single.jsonl: its last line is not a row"):
        RowWriter(single)
    assert single.read_text() == '{"instruction": "x", "output": "y"}'


def test_a_foreign_out_file_is_refused_before_anything_is_written(scripted, tmp_path):
    out = tmp_path / "mine.jsonl"
    out.write_text('{"instruction": "x", "output": "y"}\n')
    result = CliRunner().invoke(doubles.data_cli(), [
        "data", "synth", "--model", "scripted-data", "--count", "2", "--out", str(out),
        "--no-dedup"])
    assert result.exit_code == 2 and "not a row written by mentalbench data" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.jsonl"]
    assert scripted.requests == []


def test_cli_synth_writes_rows_the_training_loader_takes(scripted, tmp_path):
    out = tmp_path / "s.jsonl"
    args = ["data", "synth", "--model", "scripted-data", "--count", "4", "--batch-size", "2",
            "--out", str(out), "--no-dedup", "--min-words", "50"]
    result = CliRunner().invoke(doubles.data_cli(), args)
    assert result.exit_code == 0, result.output
    assert f"Rows: 4 of 4 in {out} (4 new)" in result.output
    assert "Calls: messages 2, answers 4;" in result.output
    assert "local model, no charge" in result.output
    assert check_examples(out)[1] == []
    again = CliRunner().invoke(doubles.data_cli(), args)
    assert f"Rows: 4 of 4 in {out} (0 new)" in again.output
    changed = CliRunner().invoke(doubles.data_cli(), [*args, "--seed", "5"])
    assert changed.exit_code == 2 and "started with seed=0, now 5" in changed.output


def test_cli_interrupt_says_how_to_resume(scripted, tmp_path):
    scripted.interrupt_on_call = 1
    result = CliRunner().invoke(doubles.data_cli(), [
        "data", "synth", "--model", "scripted-data", "--count", "2", "--out",
        str(tmp_path / "s.jsonl"), "--no-dedup"])
    assert result.exit_code == 130
    assert "run the same command again to resume" in result.output


def test_dry_run_makes_no_call_and_writes_nothing(scripted, tmp_path):
    result = CliRunner().invoke(doubles.data_cli(), [
        "data", "synth", "--model", "scripted-data", "--count", "25", "--batch-size", "10",
        "--out", str(tmp_path / "s.jsonl"), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.match(r"messages \(scripted-data\)\s+3 ", lines[1])
    assert re.match(r"answers \(scripted-data\)\s+25 ", lines[2])
    assert scripted.requests == [] and list(tmp_path.iterdir()) == []


def test_bad_topics_file_stops_before_any_call(scripted, tmp_path):
    topics = tmp_path / "t.csv"
    topics.write_text("Caregiving, many\n")
    result = CliRunner().invoke(doubles.data_cli(), [
        "data", "synth", "--model", "scripted-data", "--count", "2", "--topics", str(topics),
        "--out", str(tmp_path / "s.jsonl")])
    assert result.exit_code == 2
    assert result.output.strip() == (f"Error: {topics}:1: weight 'many': expected a number")
    assert scripted.requests == [] and not (tmp_path / "s.jsonl.state.sqlite").exists()


def test_synth_over_a_local_openai_protocol_server(scripted, tmp_path, monkeypatch):
    pytest.importorskip("openai", reason="needs mentalbench[openai]")
    from mentalbench.plugins.registry import get_registry
    from mentalbench.run.cost import price_for

    if "openai" not in get_registry().models:
        pytest.skip("the openai: backend is not registered")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    server = doubles.FakeOpenAIServer(latency=0.2)
    out = tmp_path / "s.jsonl"
    try:
        result = CliRunner().invoke(doubles.data_cli(), [
            "data", "synth", "--model", "openai:gpt-4o-mini", "--model-opt",
            f"base_url={server.url}", "--model-opt", "max_concurrency=4", "--count", "8",
            "--batch-size", "2", "--topics", str(_topics_file(tmp_path)), "--out", str(out),
            "--no-dedup", "--min-words", "50"])
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert server.calls == 12  # 4 batches of 2 messages, then 8 answers
    assert server.peak > 1  # the backend ran requests side by side
    rows = _rows(out)
    assert len(rows) == 8 and {r["generator"] for r in rows} == {"openai:gpt-4o-mini"}
    # Tokens as the server reported them, priced from mentalbench's table.
    prompt = 100 * 12
    completion = sum(len(scripted_reply.split()) for scripted_reply in _replies(scripted))
    price = price_for("openai:gpt-4o-mini")
    dollars = (prompt * price.input + completion * price.output) / 1e6
    assert f"{prompt:,} prompt + {completion:,} output tokens, US${dollars:.2f}" in result.output


def _topics_file(tmp_path):
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(TOPICS))
    return path


def _replies(script):
    """The texts the fake server sent, recomputed from the requests it saw."""
    replay = doubles.Script()
    return [replay.reply(messages).text for messages in script.requests]


def test_a_batch_of_one_asks_for_one_message_alone(scripted, tmp_path):
    out = tmp_path / "s.jsonl"
    scripted.singles = {"Grief and Loss": "short", "Caregiving": "numbered"}
    s = _run(out, 4, batch_size=1, max_batches=12)
    stage1 = [r for r in scripted.requests if r[0]["content"] == prompts.SYNTH_MESSAGE_SYSTEM]
    assert len(stage1) == s.batches and _batch_requests(scripted) == []
    # Each request names one topic and one writer, drawn from the seed and the batch number.
    for number, request in enumerate(stage1, 1):
        writer, their = draw_writer(0, number)
        (topic,) = draw_topics(TOPICS, 1, 0, number)
        assert request[-1]["content"] == prompts.SYNTH_MESSAGE_PROMPT.format(
            writer=writer, topic=topic, their=their)
    rows = _rows(out)
    assert s.rows == 4 and len(rows) == 4
    assert s.dropped == {"too-short": sum(1 for r in stage1 if "about Grief and Loss." in
                                          r[-1]["content"])}
    assert s.dropped["too-short"] > 0 and "Caregiving" in {r["topic"] for r in rows}
    for r in rows:
        assert r["prompt_hashes"]["messages"] == prompts.SYNTH_MESSAGE_HASH
        assert r["instruction"].startswith("I keep thinking about")  # "Sure! ... 1." removed
        assert r["topic"] != "Grief and Loss"


def test_a_truncated_single_message_is_dropped(scripted, tmp_path):
    scripted.singles = {t: "truncated" for t in TOPICS}
    s = _run(tmp_path / "s.jsonl", 1, batch_size=1, max_batches=2)
    assert s.rows == 0 and s.dropped == {"truncated": 2}


def test_cli_batch_size_defaults_by_kind_of_model(scripted, tmp_path):
    def synth(out, count, *extra):
        result = CliRunner().invoke(doubles.data_cli(), [
            "data", "synth", "--model", "scripted-data", "--count", str(count), "--out",
            str(out), "--no-dedup", "--min-words", "50", *extra])
        assert result.exit_code == 0, result.output
        return result.output

    # In-process models get one message a request.
    assert "Calls: messages 2, answers 2;" in synth(tmp_path / "s.jsonl", 2)
    # A file keeps the size it was started with: a rerun without --batch-size is not refused.
    synth(tmp_path / "t.jsonl", 2, "--batch-size", "2")
    scripted.reset()
    assert "Rows: 3 of 3" in synth(tmp_path / "t.jsonl", 3)
    assert _batch_requests(scripted) == [2]


def test_dry_run_of_an_api_model_batches_ten(tmp_path):
    from mentalbench.plugins.registry import get_registry

    if "openai" not in get_registry().models:
        pytest.skip("the openai: backend is not registered")
    result = CliRunner().invoke(doubles.data_cli(), [
        "data", "synth", "--model", "openai:gpt-4o-mini", "--count", "25", "--out",
        str(tmp_path / "s.jsonl"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert re.match(r"messages \(openai:gpt-4o-mini\)\s+3 ", result.output.splitlines()[1])
