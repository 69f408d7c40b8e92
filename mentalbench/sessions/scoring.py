"""What sessions are judged and checked on: the whole transcript, each counselor turn, and the
deterministic checks of each turn with the conversation so far."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..checks.stage import check_key
from ..judging.judge import JudgeTask
from ..records.base import Answer, Question
from ..store.database import CheckRecord, Store
from .conversation import Session
from .store import CLIENT, COUNSELOR, SessionTurn


def finished(sessions: Iterable[Session], turns: int) -> list[Session]:
    """Sessions that need no further turn and hold at least one counselor reply."""
    return [s for s in sessions if s.next_turn(turns) is None and s.said(COUNSELOR)]


def session_tasks(sessions: Sequence[Session]) -> list[JudgeTask]:
    """One judge task per session: its transcript as the answer to its opening."""
    return [JudgeTask(*s.as_answer()) for s in sessions]


def _so_far(session: Session, turn: int) -> list[SessionTurn]:
    """The turns before counselor turn `turn`: client turns 1..turn, counselor turns 1..turn-1."""
    return [t for t in session.turns if t.identity.turn < turn or (
        t.identity.turn == turn and t.identity.role == CLIENT)]


def turn_question(session: Session, turn: int) -> Question:
    """Counselor turn `turn`'s question: the conversation so far, tagged crisis only once a
    risk has come out (a check of risk response should not fire before there is one)."""
    before = _so_far(session, turn)
    text = "\n\n".join(("Client: " if t.identity.role == CLIENT else "Counselor: ") + t.text
                       for t in before if t.text)
    risk = any(t.meta.get("risk_disclosed") for t in before if t.identity.role == CLIENT)
    tags = tuple(t for t in session.card.tags if t != "crisis") + (("crisis",) if risk else ())
    return Question(session.card.id, session.card.topic, text, tags)


def turn_tasks(sessions: Sequence[Session]) -> list[tuple[JudgeTask, int]]:
    """One task per counselor turn (its reply as the answer to the conversation so far)."""
    out = []
    for s in sessions:
        b = s.base
        for t in s.said(COUNSELOR):
            answer = Answer(t.key, b.card_id, b.model, t.text, t.usage,
                            {"session_key": s.key, "turn": t.identity.turn}, b.sample,
                            b.answer_set)
            out.append((JudgeTask(answer, turn_question(s, t.identity.turn)), t.identity.turn))
    return out


def check_turns(checks: Sequence[Any], sessions: Sequence[Session], store: Store) -> int:
    """Run every check on every counselor turn not checked yet; how many results are new."""
    wanted = {}
    for s in sessions:
        for task, _ in turn_tasks([s]):
            for check in checks:
                wanted[check_key(task.answer.key, check)] = (check, task, s.base)
    done = store.check_keys(wanted)
    new = []
    for key, (check, task, b) in wanted.items():
        if key in done:
            continue
        a = task.answer
        new.append(CheckRecord(key, a.key, a.question_id, a.sample, a.model, a.answer_set,
                               check.name, check.version, b.card_set, b.card_set_sha,
                               check.run(task.question, a.text)))
    store.put_checks(new)
    return len(new)
