"""Judging with the scripted judge: text parsing, one repair, logprobs, failures, replies kept as
they arrive, re-reading stored replies, asking again for unscored judgments, identities."""

from __future__ import annotations

import re
import shutil

import pytest

from mentalbench.inputs.resources import rubric_dir
from mentalbench.inputs.rubric import load_rubric
from mentalbench.judging.judge import Judge, JudgeContext, JudgeTask
from mentalbench.judging.stage import run_judging
from mentalbench.models.progress import Reporter
from mentalbench.plugins.registry import get_registry
from mentalbench.records.base import Answer, ChatRequest, Completion, JudgeSpec, Question, Usage
from mentalbench.store.database import Store

RATING_LINE = re.compile(r"^(.+): \[\[(\d+)\]\]$", re.M)
CTX = JudgeContext("tiny-set", "0123456789abcdef")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(rubric_dir("mentalgpt"))


@pytest.fixture
def double(scripted, monkeypatch):
    """The scripted plugin, with every request its models receive recorded."""
    cls = scripted.ScriptedModel
    seen: list[list[ChatRequest]] = []
    replies: list[list[Completion]] = []
    generate = cls.generate

    def recording(self, requests, progress=None):
        seen.append(list(requests))
        replies.append(generate(self, requests, progress))
        return replies[-1]

    monkeypatch.setattr(cls, "generate", recording)
    scripted.seen, scripted.replies = seen, replies
    return scripted


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def _judge(rubric, mode="text", **options):
    model = get_registry().get_model("scripted-judge", options)
    return Judge(JudgeSpec("sj", "scripted-judge", dict(options), mode=mode), model, rubric)


def _tasks(*texts):
    return [JudgeTask(Answer(f"a{i}", f"q{i}", "cand", text, Usage(), {}, 0, "set1"),
                      Question(f"q{i}", "Stress", f"Question {i}: how do I cope?"))
            for i, text in enumerate(texts)]


def _run(judge, tasks, store, **kw):
    return run_judging(judge, tasks, store, Reporter(), CTX, **kw)


def test_text_mode_parses_every_metric_and_records_identities(double, rubric, store):
    judge = _judge(rubric)
    tasks = _tasks("Short reply.", "A much longer reply with more to say.")
    done = _run(judge, tasks, store).judgments
    assert len(double.seen) == 1 and len(double.seen[0]) == 2  # one batch, no repair
    for task in tasks:
        j = done[judge.key(task.answer.key)]
        written = {name: float(v) for name, v in RATING_LINE.findall(j.raw)}
        assert [s.metric for s in j.scores] == [m.key for m in rubric.rated]
        assert {s.metric: s.value for s in j.scores} == {
            m.key: written[m.name] for m in rubric.rated}
        assert j.status == "scored" and j.mode == "text"
        assert (j.question_id, j.model, j.judge, j.rubric, j.answer_key, j.answer_set) == (
            task.question.id, "cand", "sj", "mentalgpt", task.answer.key, "set1")
        assert (j.judge_model, j.judge_model_served) == ("scripted-judge", "scripted-judge")
        assert (j.rubric_sha, j.question_set, j.question_set_sha) == (
            rubric.sha256, "tiny-set", "0123456789abcdef")
        assert j.usage == Usage(100, 20)
        assert re.fullmatch(r"[0-9a-f]{16}", j.prompt_hash)
    assert store.judgments(done) == done


def test_judge_sees_the_rubric_prompt_with_question_and_answer(double, rubric, store):
    task = _tasks("Try a short walk after lunch.")[0]
    judge = _judge(rubric)
    _run(judge, [task], store)
    request = double.seen[0][0]
    assert list(request.messages) == rubric.messages(task.question.text, task.answer.text)
    assert request.key == judge.key(task.answer.key)


def test_partial_verdict_gets_exactly_one_repair_and_merges_it(double, rubric, store):
    tasks = _tasks("First reply.", "Second reply, longer.")
    judge = _judge(rubric, verdict="partial")
    done = _run(judge, tasks, store).judgments
    assert [len(batch) for batch in double.seen] == [2, 2]  # first verdicts, then repairs
    missing = rubric.rated[3:]  # the partial double rates only the first three slots
    for repair, first in zip(double.seen[1], double.seen[0], strict=True):
        assert repair.messages[:2] == first.messages
        assert repair.messages[2]["role"] == "assistant"
        asked = re.findall(r"^(.+): \[\[rating\]\]$", repair.messages[3]["content"], re.M)
        assert asked == [m.name for m in missing]
        assert repair.key == first.key + ":repair"
    for i, task in enumerate(tasks):
        j = done[judge.key(task.answer.key)]
        _, repair_text = j.raw.split("\n\n[repair]\n")
        assert [s.mode for s in j.scores] == ["text"] * 3 + ["text-repair"] * 5
        assert [s.value for s in j.scores[3:]] == [4.0] * 5
        assert RATING_LINE.findall(repair_text) == [(m.name, "4") for m in missing]
        assert j.status == "scored"
        assert j.usage == double.replies[0][i].usage + double.replies[1][i].usage


def test_no_repair_without_a_repair_template(double, rubric, store, tmp_path):
    folder = tmp_path / "no-repair"
    shutil.copytree(rubric.path, folder)
    (folder / "repair.j2").unlink()
    judge = _judge(load_rubric(folder), verdict="partial")
    [j] = _run(judge, _tasks("Reply."), store).judgments.values()
    assert len(double.seen) == 1
    assert [s.value is None for s in j.scores] == [False] * 3 + [True] * 5
    assert j.status == "partial" and "[repair]" not in j.raw


def test_garbage_verdict_is_stored_unscored_and_asked_again_on_a_rerun(double, rubric, store):
    judge = _judge(rubric, verdict="garbage")
    task = _tasks("Reply.")[0]
    [j] = _run(judge, [task], store).judgments.values()
    assert [len(batch) for batch in double.seen] == [1, 1]  # one repair, no more
    assert j.status == "unscored" and j.attempt == 0
    assert [s.value for s in j.scores] == [None] * len(rubric.rated)
    assert j.raw == "I cannot rate this.\n\n[repair]\nI cannot rate this."
    double.seen.clear()
    [again] = _run(judge, [task], store).judgments.values()
    assert [[r.key for r in b] for b in double.seen] == [
        [f"{j.key}:retry1"], [f"{j.key}:retry1:repair"]]
    assert again.attempt == 1 and again.status == "unscored"
    double.seen.clear()
    _run(judge, [task], store, retry_unscored=False)
    assert double.seen == []


def test_a_judge_fixed_after_an_unscored_run_scores_on_the_rerun(double, rubric, store,
                                                                  monkeypatch):
    task = _tasks("Reply.")[0]
    judge = _judge(rubric)
    working = double.ScriptedModel._verdict
    monkeypatch.setattr(double.ScriptedModel, "_verdict", lambda self, m: "Server overloaded.")
    [first] = _run(judge, [task], store).judgments.values()
    assert first.status == "unscored"
    monkeypatch.setattr(double.ScriptedModel, "_verdict", working)  # the server is fixed
    [j] = _run(judge, [task], store).judgments.values()
    assert j.key == first.key and j.status == "scored" and j.attempt == 1


def test_logprobs_mode_reads_choice_scores_and_stores_each_at_once(double, rubric, store,
                                                                   monkeypatch):
    calls = []
    # A different distribution per slot, so each score must come from its own slot.
    dists = [{"3]]": 0.5, "5]]": 0.5}] + [{f"{v}]]": 1.0} for v in range(2, 9)]

    def score_choices(self, messages, prefixes, choices):
        calls.append((messages, list(prefixes), list(choices)))
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C in the second chunk (the double's chunk_size is 3)
        return dists

    monkeypatch.setattr(double.ScriptedModel, "score_choices", score_choices)
    tasks = _tasks("Reply.", "Another reply.", "A third.", "A fourth.")
    judge = _judge(rubric, mode="logprobs")
    with pytest.raises(KeyboardInterrupt):
        _run(judge, tasks, store)
    assert double.seen == []  # nothing generated
    messages, prefixes, choices = calls[0]
    assert messages == rubric.messages(tasks[0].question.text, tasks[0].answer.text)
    assert prefixes == [rubric.slot_prefix(m) for m in rubric.rated]
    assert choices == rubric.choice_labels()
    stored = store.judgments([judge.key(t.answer.key) for t in tasks])
    assert len(stored) == 3  # the first chunk was committed before the interruption
    j = stored[judge.key(tasks[0].answer.key)]
    assert j.mode == "logprobs" and {s.mode for s in j.scores} == {"logprobs"}
    assert [(s.value, s.spread) for s in j.scores] == [(4.0, 1.0)] + [
        (float(v), 0.0) for v in range(2, 9)]
    assert j.raw.splitlines()[0] == "Overall: 3=0.500, 5=0.500"


def test_modes_and_rubrics_give_different_judgment_keys(double, rubric, tmp_path):
    answer = _tasks("Reply.")[0].answer
    other = tmp_path / "other"
    shutil.copytree(rubric.path, other)
    (other / "system.j2").write_text("You are a fair judge. Be strict.")
    keys = {_judge(rubric).key(answer.key), _judge(rubric, mode="logprobs").key(answer.key),
            _judge(load_rubric(other)).key(answer.key),
            _judge(rubric, temperature="0.5").key(answer.key)}
    assert len(keys) == 4
    assert _judge(rubric).key(answer.key) == _judge(rubric).key(answer.key)


def test_each_reply_is_kept_as_it_arrives_and_never_asked_again(double, rubric, store):
    judge = _judge(rubric)
    tasks = _tasks(*(f"Reply number {i}." for i in range(4)))
    original = double.ScriptedModel.generate
    batches = []

    def dies_in_the_second_chunk(self, requests, progress=None):
        batches.append(len(requests))
        if len(batches) == 2:
            raise KeyboardInterrupt
        return original(self, requests, progress)

    double.ScriptedModel.generate = dies_in_the_second_chunk
    with pytest.raises(KeyboardInterrupt):
        _run(judge, tasks, store)
    assert batches == [3, 1]  # the double's chunk_size is 3
    double.ScriptedModel.generate = original
    kept = store.replies(judge.key(t.answer.key) for t in tasks)
    assert len(kept) == 3  # the finished chunk's replies were committed
    double.seen.clear()
    done = _run(judge, tasks, store).judgments
    assert [[r.key for r in b] for b in double.seen] == [[judge.key(tasks[3].answer.key)]]
    assert len(done) == 4 and all(j.status == "scored" for j in done.values())


def test_failures_are_recorded_as_rows_with_a_status_not_as_verdicts(double, rubric, store):
    judge = _judge(rubric, fail_on="Reply B")
    tasks = _tasks("Reply A.", "Reply B.", "Reply C.")
    out = _run(judge, tasks, store)
    bad = judge.key(tasks[1].answer.key)
    assert set(out.judgments) == {judge.key(tasks[0].answer.key), judge.key(tasks[2].answer.key)}
    assert out.failed == {bad: "judge sj: scripted failure on Reply B"}
    assert store.judgments([bad]) == {}
    assert store.failures([bad]) == {bad: "judge sj: scripted failure on Reply B"}
    [record] = [j for j in store.all_judgments() if j.key == bad]
    assert (record.status, record.question_id, record.judge_model) == (
        "failed", "q1", "scripted-judge")
    assert record.answer_key == tasks[1].answer.key and not record.made


def test_rerun_makes_no_model_calls(double, rubric, store):
    tasks = _tasks("Reply A.", "Reply B.")
    first = _run(_judge(rubric, verdict="partial"), tasks, store)
    assert double.seen and first.new == 2
    double.seen.clear()
    again = _run(_judge(rubric, verdict="partial"), tasks, store)
    assert double.seen == [] and again.new == 0
    assert again.judgments == first.judgments


def test_rerun_retries_only_what_failed(double, rubric, store):
    judge = _judge(rubric, fail_on="Reply B")
    tasks = _tasks("Reply A.", "Reply B.", "Reply C.")
    _run(judge, tasks, store)
    double.seen.clear()
    _run(judge, tasks, store)
    assert [[r.key for r in batch] for batch in double.seen] == [[judge.key(tasks[1].answer.key)]]


def test_stored_replies_are_read_again_by_todays_parser_without_a_call(double, rubric, store):
    judge = _judge(rubric)
    task = _tasks("Reply.")[0]
    [j] = _run(judge, [task], store).judgments.values()
    # A judgment whose scores an older parser got wrong, over the same stored reply.
    wrong = tuple(type(s)(s.metric, 1.0, s.mode) for s in j.scores)
    store.put_judgments([type(j)(**{**j.__dict__, "scores": wrong})])
    double.seen.clear()
    [again] = _run(judge, [task], store).judgments.values()
    assert double.seen == []
    assert again.scores == j.scores
    assert store.judgments([j.key])[j.key].scores == j.scores


def test_run_judging_reports_progress(double, rubric, store):
    stages = []

    class Recording(Reporter):
        def stage(self, label, total):
            stages.append([label, total, 0])
            inner = super().stage(label, total)

            class Wrap:
                def __enter__(self_inner):
                    inner.__enter__()

                    def advance(n):
                        stages[-1][2] += n
                    return advance

                def __exit__(self_inner, *exc):
                    return inner.__exit__(*exc)
            return Wrap()

    run_judging(_judge(rubric, verdict="partial"), _tasks("A.", "B."), store, Recording(), CTX)
    assert stages == [["judging (sj)", 2, 2], ["repairing (sj)", 2, 2]]
    stages.clear()
    run_judging(_judge(rubric, verdict="partial"), _tasks("A.", "B."), store, Recording(), CTX)
    assert stages == []  # nothing pending: no progress bar at all
