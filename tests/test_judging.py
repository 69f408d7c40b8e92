"""Judging with the scripted judge: text parsing, one repair, logprobs, failures and resume."""

from __future__ import annotations

import math
import re

import pytest

from mentalbench.judging import Judge, JudgeTask, run_judging
from mentalbench.progress import Reporter
from mentalbench.records import (
    Answer,
    ChatRequest,
    Completion,
    JudgeSpec,
    Judgment,
    Question,
    Usage,
)
from mentalbench.registry import get_registry
from mentalbench.resources import rubric_dir
from mentalbench.rubric import load_rubric
from mentalbench.scoring import choice_labels, slot_prefix
from mentalbench.store import Store

RATING_LINE = re.compile(r"^(.+): \[\[(\d+)\]\]$", re.M)


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


def _judge(rubric, mode="text", **options):
    model = get_registry().get_model("scripted-judge", options)
    return Judge(JudgeSpec("sj", "scripted-judge", dict(options), mode=mode), model, rubric)


def _tasks(*texts):
    return [JudgeTask(Answer(f"a{i}", f"q{i}", "cand", text, Usage(), {}),
                      Question(f"q{i}", "Stress", f"Question {i}: how do I cope?"))
            for i, text in enumerate(texts)]


def _store(tmp_path):
    return Store(tmp_path / "store.sqlite")


def test_text_mode_parses_every_metric(double, rubric):
    judge = _judge(rubric)
    tasks = _tasks("Short reply.", "A much longer reply with more to say.")
    results = judge.judge(tasks)
    assert len(double.seen) == 1 and len(double.seen[0]) == 2  # one batch, no repair
    for task, j in zip(tasks, results, strict=True):
        assert isinstance(j, Judgment)
        written = {name: float(v) for name, v in RATING_LINE.findall(j.raw)}
        assert [s.metric for s in j.scores] == [m.key for m in rubric.rated]
        assert {s.metric: s.value for s in j.scores} == {
            m.key: written[m.name] for m in rubric.rated}
        assert {s.mode for s in j.scores} == {"text"} and j.mode == "text"
        assert j.complete
        assert (j.question_id, j.model, j.judge, j.rubric, j.answer_key) == (
            task.question.id, "cand", "sj", "mentalgpt", task.answer.key)
        assert j.usage == Usage(100, 20)
        assert re.fullmatch(r"[0-9a-f]{16}", j.prompt_hash)


def test_judge_sees_the_rubric_prompt_with_question_and_answer(double, rubric):
    task = _tasks("Try a short walk after lunch.")[0]
    _judge(rubric).judge([task])
    request = double.seen[0][0]
    assert list(request.messages) == rubric.messages(task.question.text, task.answer.text)
    assert request.key == _judge(rubric).key(task.answer)


def test_partial_verdict_gets_exactly_one_repair_and_merges_it(double, rubric):
    tasks = _tasks("First reply.", "Second reply, longer.")
    results = _judge(rubric, verdict="partial").judge(tasks)
    assert [len(batch) for batch in double.seen] == [2, 2]  # first verdicts, then repairs
    given = rubric.rated[:3]  # the partial double rates only the first three slots
    missing = rubric.rated[3:]
    for repair, first in zip(double.seen[1], double.seen[0], strict=True):
        assert repair.messages[:2] == first.messages
        assert repair.messages[2]["role"] == "assistant"
        asked = re.findall(r"^(.+): \[\[rating\]\]$", repair.messages[3]["content"], re.M)
        assert asked == [m.name for m in missing]
        assert repair.key == first.key + ":repair"
    for i, j in enumerate(results):
        first_text, repair_text = j.raw.split("\n\n[repair]\n")
        assert [s.mode for s in j.scores] == ["text"] * 3 + ["text-repair"] * 5
        assert [s.value for s in j.scores[3:]] == [4.0] * 5
        assert [s.value for s in j.scores[:3]] == [
            float(v) for name, v in RATING_LINE.findall(first_text)
            if name in {m.name for m in given}]
        assert RATING_LINE.findall(repair_text) == [(m.name, "4") for m in missing]
        assert j.complete and j.mode == "text"
        assert j.usage == double.replies[0][i].usage + double.replies[1][i].usage
        assert j.usage != double.replies[0][i].usage


def test_no_repair_without_a_repair_template(double, rubric, tmp_path):
    import shutil

    folder = tmp_path / "no-repair"
    shutil.copytree(rubric.path, folder)
    (folder / "repair.j2").unlink()
    [j] = _judge(load_rubric(folder), verdict="partial").judge(_tasks("Reply."))
    assert len(double.seen) == 1
    assert [s.value is None for s in j.scores] == [False] * 3 + [True] * 5
    assert "[repair]" not in j.raw


def test_garbage_verdict_stays_unscored_with_raw_text(double, rubric):
    [j] = _judge(rubric, verdict="garbage").judge(_tasks("Reply."))
    assert [len(batch) for batch in double.seen] == [1, 1]  # one repair, no more
    assert [s.value for s in j.scores] == [None] * len(rubric.rated)
    assert {s.mode for s in j.scores} == {"text"}
    assert not j.complete
    assert j.raw == "I cannot rate this.\n\n[repair]\nI cannot rate this."
    assert j.to_dict()["scores"] == {m.key: None for m in rubric.rated}


def test_logprobs_mode_reads_choice_scores(double, rubric, monkeypatch):
    calls = []
    # A different distribution per slot, so each score must come from its own slot.
    dists = [{"3]]": 0.5, "5]]": 0.5}] + [{f"{v}]]": 1.0} for v in range(2, 9)]

    def score_choices(self, messages, prefixes, choices):
        calls.append((messages, list(prefixes), list(choices)))
        return dists

    monkeypatch.setattr(double.ScriptedModel, "score_choices", score_choices)
    task = _tasks("Reply.")[0]
    [j] = _judge(rubric, mode="logprobs").judge([task])
    assert double.seen == []  # nothing generated
    [(messages, prefixes, choices)] = calls
    assert messages == rubric.messages(task.question.text, task.answer.text)
    assert prefixes == [slot_prefix(m) for m in rubric.rated]
    assert choices == choice_labels(rubric)
    assert j.mode == "logprobs" and {s.mode for s in j.scores} == {"logprobs"}
    assert [(s.value, s.spread) for s in j.scores] == [(4.0, 1.0)] + [
        (float(v), 0.0) for v in range(2, 9)]
    assert j.raw.splitlines()[0] == "Overall: 3=0.500, 5=0.500"


def test_modes_and_rubrics_give_different_judgment_keys(double, rubric, tmp_path):
    import shutil

    answer = _tasks("Reply.")[0].answer
    other = tmp_path / "other"
    shutil.copytree(rubric.path, other)
    (other / "system.j2").write_text("You are a fair judge. Be strict.")
    keys = {_judge(rubric).key(answer), _judge(rubric, mode="logprobs").key(answer),
            _judge(load_rubric(other)).key(answer), _judge(rubric, temperature="0.5").key(answer)}
    assert len(keys) == 4
    assert _judge(rubric).key(answer) == _judge(rubric).key(answer)


# run_judging: store, failures, resume

def test_run_judging_stores_in_chunks(double, rubric, tmp_path):
    store = _store(tmp_path)
    judge = _judge(rubric)
    tasks = _tasks(*(f"Reply number {i}." for i in range(4)))
    done = run_judging(judge, tasks, store, Reporter())
    assert [len(batch) for batch in double.seen] == [3, 1]  # the double's chunk_size is 3
    assert set(done) == {judge.key(t.answer) for t in tasks}
    assert store.judgments(done) == done
    store.close()


def test_failures_are_recorded_and_not_stored_as_judgments(double, rubric, tmp_path):
    store = _store(tmp_path)
    judge = _judge(rubric, fail_on="Reply B")
    tasks = _tasks("Reply A.", "Reply B.", "Reply C.")
    done = run_judging(judge, tasks, store, Reporter())
    bad = judge.key(tasks[1].answer)
    assert set(done) == {judge.key(tasks[0].answer), judge.key(tasks[2].answer)}
    assert store.judgments([bad]) == {}
    assert store.failures([judge.key(t.answer) for t in tasks]) == {
        bad: "judge sj: scripted failure on Reply B"}
    store.close()


def test_rerun_makes_no_model_calls(double, rubric, tmp_path):
    store = _store(tmp_path)
    tasks = _tasks("Reply A.", "Reply B.")
    first = run_judging(_judge(rubric, verdict="partial"), tasks, store, Reporter())
    assert double.seen
    double.seen.clear()
    again = run_judging(_judge(rubric, verdict="partial"), tasks, store, Reporter())
    assert double.seen == []
    assert again == first
    store.close()


def test_rerun_retries_only_what_failed(double, rubric, tmp_path):
    store = _store(tmp_path)
    judge = _judge(rubric, fail_on="Reply B")
    tasks = _tasks("Reply A.", "Reply B.", "Reply C.")
    run_judging(judge, tasks, store, Reporter())
    double.seen.clear()
    run_judging(judge, tasks, store, Reporter())
    assert [[r.key for r in batch] for batch in double.seen] == [[judge.key(tasks[1].answer)]]
    store.close()


def test_run_judging_reports_progress(double, rubric, tmp_path):
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

    store = _store(tmp_path)
    run_judging(_judge(rubric), _tasks("a", "b", "c", "d"), store, Recording())
    assert stages == [["judging (sj)", 4, 4]]
    run_judging(_judge(rubric), _tasks("a", "b", "c", "d"), store, Recording())
    assert len(stages) == 1  # nothing pending: no progress bar at all
    store.close()


# -- the maths of logprob slots and samples (no model, no SDK) ------------------------

def test_slot_scores_read_only_rating_tokens(rubric):
    from mentalbench.judging import slot_scores

    lp = math.log
    tokens = [("Overall", {}), (":", {}), (" [[", {}),
              ("10", {"10": lp(0.5), "9": lp(0.25), "x": lp(0.2), "11": lp(0.05)}),
              ("]]\n", {}), ("Active Listening", {}), (": [[", {}),
              ("4", {"4": lp(0.6), " 5": lp(0.4)}), ("]]\n", {}),
              ("Empathy & Validation: [[7", {"7": 0.0}), ("]]", {})]
    scores = slot_scores(tokens, rubric)
    assert scores["overall"].value == pytest.approx((10 * 0.5 + 9 * 0.25) / 0.75, abs=1e-3)
    assert scores["active_listening"].value == pytest.approx(4.4, abs=1e-3)
    assert scores["active_listening"].spread == pytest.approx(math.sqrt(0.24), abs=1e-3)
    assert "empathy_validation" not in scores  # the rating shares a token with its name


def test_median_of_samples_with_spread():
    from mentalbench.judging import median_scores
    from mentalbench.records import Score

    samples = [(Score("a", 3.0), Score("b", None)), (Score("a", 9.0), Score("b", 6.0)),
               (Score("a", 5.0, "text-repair"), Score("b", None))]
    a, b = median_scores(samples)
    assert (a.value, a.mode) == (5.0, "text+text-repair")
    assert a.spread == pytest.approx(math.sqrt(((3 - 17 / 3) ** 2 + (9 - 17 / 3) ** 2
                                                 + (5 - 17 / 3) ** 2) / 3), abs=1e-3)
    assert (b.value, b.spread) == (6.0, 0.0)
    assert median_scores([(Score("c", None),), (Score("c", None),)])[0].value is None
