"""The judging stage: ask the judge about every answer the store has no good judgment of.

Every reply is committed the moment it arrives (a kill loses only requests in flight), and a
judgment is a pure function of its stored replies: a rerun re-reads them with today's parser
before it asks again for anything left unscored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models.base import ask_and_store
from ..models.progress import Reporter
from ..records.base import FAILED, SCORED, ChatRequest, Completion, Judgment, Usage
from ..store.database import Store
from ..verdicts.parse import expected_scores
from .judge import TOP_LOGPROBS, Judge, JudgeContext, JudgeTask


@dataclass(frozen=True)
class JudgingOutcome:
    """Judgments of the tasks (stored before or now), errors of those without, count of new."""

    judgments: dict[str, Judgment]  # by judgment key
    failed: dict[str, str]  # judgment key -> why it has no judgment
    new: int
    calls: tuple[Usage, ...] = ()  # one per request this run sent (replies stored before: none)


def run_judging(judge: Judge, tasks: Sequence[JudgeTask], store: Store, reporter: Reporter,
                ctx: JudgeContext, *, retry_unscored: bool = True) -> JudgingOutcome:
    """Judge what the store lacks (and, unless told not to, what it holds unscored)."""
    keys = {judge.key(t.answer.key): t for t in tasks}
    stored = store.judgments(keys)
    store.adopt_judgments([k for k, j in stored.items() if not j.judge_model],
                          {"judge_model": judge.asked_model, "rubric_sha": judge.rubric.sha256,
                           "question_set": ctx.question_set,
                           "question_set_sha": ctx.question_set_sha})
    if not judge.local_logprobs:
        _reread(judge, keys, stored, store, ctx)
    todo = [(key, t, 0 if key not in stored else stored[key].attempt + 1)
            for key, t in keys.items()
            if key not in stored or (retry_unscored and stored[key].status != SCORED)]
    calls: list[Usage] = []
    if judge.local_logprobs:
        new, failed = _judge_local(judge, todo, store, reporter, ctx)
        calls = [Usage()] * len(todo)
    else:
        new, failed = _judge_text(judge, todo, store, reporter, ctx, calls)
    judgments = {k: j for k, j in stored.items()}
    judgments.update(new)
    return JudgingOutcome(judgments, {k: e for k, e in failed.items() if k not in new}, len(new),
                          tuple(calls))


def _reread(judge: Judge, keys: dict[str, JudgeTask], stored: dict[str, Judgment], store: Store,
            ctx: JudgeContext) -> None:
    """Re-score stored judgments from their stored replies; store those whose scores changed."""
    wanted = {key: judge.request_keys(key, j.attempt) for key, j in stored.items()
              if j.mode != "import"}
    replies = store.replies([k for ks in wanted.values() for k in (*ks, *(f"{x}:repair"
                                                                        for x in ks))])
    changed = []
    for key, request_keys in wanted.items():
        if not all(k in replies for k in request_keys):
            continue  # written before replies were kept: nothing to re-read
        task = keys[key]
        fresh = _assemble(judge, task, judge.prompt(task), [replies[k] for k in request_keys],
                          [replies.get(f"{k}:repair") for k in request_keys],
                          stored[key].attempt, ctx)
        if isinstance(fresh, str):
            continue  # today's parser cannot read it: keep what is stored, never crash
        if fresh.scores != stored[key].scores:
            changed.append(fresh)
            stored[key] = fresh
    store.put_judgments(changed)


def _call(judge: Judge, requests: list[ChatRequest], store: Store, reporter: Reporter,
          label: str, replies: dict[str, Completion], errors: dict[str, str],
          calls: list[Usage]) -> None:
    """Ask for every request not in `replies`; each good reply is stored as it arrives."""
    pending = [r for r in requests if r.key not in replies]
    if not pending:
        return
    extra = {"top_logprobs": TOP_LOGPROBS} if judge.spec.mode == "logprobs" else {}

    def keep(request: ChatRequest, c: Completion) -> None:
        calls.append(c.usage)
        store.put_reply(request.key, c)
        replies[request.key] = c

    def fail(request: ChatRequest, c: Completion) -> None:
        calls.append(c.usage)
        errors[request.key] = c.error or "unknown error"

    with reporter.stage(label, len(pending)) as advance:
        ask_and_store(judge.model, pending, keep, fail, progress=advance, **extra)


def _judge_text(judge: Judge, todo: list, store: Store, reporter: Reporter, ctx: JudgeContext,
                calls: list[Usage]) -> tuple[dict[str, Judgment], dict[str, str]]:
    prompts = {key: judge.prompt(t) for key, t, _ in todo}
    firsts_keys = {key: judge.request_keys(key, attempt) for key, _, attempt in todo}
    all_first = [k for ks in firsts_keys.values() for k in ks]
    replies = store.replies([*all_first, *(f"{k}:repair" for k in all_first)])
    errors: dict[str, str] = {}
    _call(judge, [ChatRequest(prompts[key].messages, rk) for key, _, _ in todo
                  for rk in firsts_keys[key]],
          store, reporter, f"judging ({judge.name})", replies, errors, calls)
    repairs = []
    for key, _, _ in todo:
        for rk in firsts_keys[key]:
            reply = replies.get(rk)
            if reply is None:
                continue
            try:
                scores = judge.first_scores(reply, prompts[key])
            except Exception:  # noqa: BLE001 - recorded as the judgment's failure below
                continue
            if judge.needs_repair(scores):
                repairs.append(ChatRequest(judge.repair_messages(prompts[key], reply, scores),
                                           f"{rk}:repair"))
    _call(judge, repairs, store, reporter, f"repairing ({judge.name})", replies, errors, calls)
    wanted_repairs = {r.key for r in repairs}
    new: dict[str, Judgment] = {}
    failed: dict[str, str] = {}
    for key, task, attempt in todo:
        rks = firsts_keys[key]
        missing = [rk for rk in rks if rk not in replies]
        missing += [rk for rk in rks if f"{rk}:repair" in wanted_repairs
                    and f"{rk}:repair" not in replies]
        if missing:
            why = errors.get(missing[0]) or errors.get(f"{missing[0]}:repair") or "not judged"
            failed[key] = f"judge {judge.name}: {why}"
            store.put_failures([judge.failure(task, FAILED, failed[key], ctx)])
            continue
        made = _assemble(judge, task, prompts[key], [replies[rk] for rk in rks],
                         [replies.get(f"{rk}:repair") for rk in rks], attempt, ctx)
        if isinstance(made, str):
            failed[key] = f"judge {judge.name}: {made}"
            store.put_failures([judge.failure(task, FAILED, failed[key], ctx)])
            continue
        new[key] = made
    store.put_judgments(list(new.values()))
    return new, failed


def _assemble(judge: Judge, task: JudgeTask, prompt, firsts, repairs, attempt: int,
              ctx: JudgeContext) -> Judgment | str:
    """The judgment of stored replies, or why they cannot be read: a reply that crashes the
    parser is a recorded failure, not a crash that every rerun would repeat."""
    try:
        return judge.assemble(task, prompt, firsts, repairs, attempt, ctx)
    except Exception as exc:  # noqa: BLE001 - any parser fault is this reply's failure
        return f"the reply could not be read ({type(exc).__name__}: {str(exc)[:200]})"


def _judge_local(judge: Judge, todo: list, store: Store, reporter: Reporter,
                 ctx: JudgeContext) -> tuple[dict[str, Judgment], dict[str, str]]:
    """In-process logprobs: the expected rating at each slot, scored a chunk of answers at a
    time (they share the judge prompt's prefix) and stored chunk by chunk."""
    rubric = judge.rubric
    prefixes = [rubric.slot_prefix(m) for m in rubric.rated]
    labels = rubric.choice_labels()
    close = rubric.output.after
    size = max(1, judge.model.chunk_size)
    new: dict[str, Judgment] = {}
    with reporter.stage(f"judging ({judge.name})", len(todo)) as advance:
        for start in range(0, len(todo), size):
            part = todo[start:start + size]
            prompts = [judge.prompt(task) for _, task, _ in part]
            batch = judge.model.score_choices_batch([list(p.messages) for p in prompts],
                                                    prefixes, labels)
            done = []
            for (key, task, attempt), prompt, dists in zip(part, prompts, batch, strict=True):
                raw = "\n".join(f"{m.name}: " + ", ".join(f"{c.removesuffix(close)}={p:.3f}"
                                                          for c, p in d.items())
                                for m, d in zip(rubric.rated, dists, strict=True))
                new[key] = judge.judgment(task, prompt, raw, expected_scores(rubric, dists),
                                          Usage(), "", attempt, ctx)
                done.append(new[key])
            store.put_judgments(done)
            advance(len(part))
    return new, {}
