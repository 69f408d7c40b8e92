"""One session run: hold the sessions, check every counselor turn, judge, export; resumable."""

from __future__ import annotations

import collections
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EndpointError
from ..judging.judge import Judge, JudgeContext
from ..judging.stage import run_judging
from ..models.base import Model
from ..models.progress import Reporter
from ..models.secrets import mask_argv, mask_options
from ..records.base import SCORED
from ..store.database import Store
from ..store.folder import RunDirLock, make_out
from .cards import CardSet, RoleCard
from .client import Client
from .conversation import Session
from .holding import HoldOutcome, hold_sessions, open_sessions
from .scoring import check_turns, finished, session_tasks, turn_tasks
from .store import create_tables, put_turns, turns_of

STORE = "sessions.sqlite"


@dataclass(frozen=True)
class SessionPlan:
    """Everything a session run needs, resolved and checked before anything is written."""

    out: Path
    cards: CardSet | None  # None: sessions held elsewhere (imported)
    selected: tuple[RoleCard, ...]
    model: Model | None  # the counselor (None when imported)
    label: str
    client: Client | None
    turns: int
    judges: tuple[Judge, ...]  # rate whole transcripts (the session rubric)
    turn_judges: tuple[Judge, ...] = ()  # rate each counselor turn (--per-turn)
    checks: tuple[Any, ...] = ()
    samples: int = 1
    retry_unscored: bool = True
    allow_unscored: bool = False
    wait: bool = False
    arguments: Mapping[str, Any] = field(default_factory=dict)
    imported: tuple[Session, ...] = ()  # finished sessions read from a transcripts file

    def models(self) -> list[Model]:
        """Every model of the run, once each."""
        client = getattr(self.client, "model", None)
        found = [m for m in (self.model, client, *(j.model for j in self.judges),
                             *(j.model for j in self.turn_judges)) if m is not None]
        return list({id(m): m for m in found}.values())


@dataclass(frozen=True)
class SessionSummary:
    """What a session run did and what it left undone."""

    out: Path
    sessions: int
    finished: int
    new_turns: int
    expected: int  # judgments this run should end with
    scored: int
    judged: int
    checks: int
    undone: collections.Counter = field(default_factory=collections.Counter)
    stopped: str = ""
    seconds: float = 0.0

    @property
    def left(self) -> int:
        return sum(self.undone.values())

    def exit_status(self, allow_unscored: bool) -> int:
        return 0 if not self.stopped and (allow_unscored or not self.left) else 3


def session_store(out: Path) -> Store:
    """The run directory's session store (a run store of its own, plus the session tables)."""
    store = Store(out / STORE)
    create_tables(store.db)
    return store


def _record(plan: SessionPlan) -> dict[str, Any]:
    from ..run.execute import versions

    return {"command": " ".join(mask_argv(sys.argv)), "kind": "sessions",
            "arguments": {k: mask_options(v) if isinstance(v, dict) else v
                          for k, v in plan.arguments.items()},
            "versions": versions(),
            "cards": plan.cards and {"name": plan.cards.name, "sha256": plan.cards.sha256,
                                     "selected": len(plan.selected)},
            "model": plan.model and {"label": plan.label, "identity": plan.model.identity()},
            "client": plan.client and {"name": plan.client.name,
                                       "identity": plan.client.identity(),
                                       "key": plan.client.key()},
            "imported": len(plan.imported),
            "turns": plan.turns, "samples": plan.samples,
            "judges": [{"name": j.name, "model": j.asked_model, "rubric": j.rubric.name,
                        "rubric_sha256": j.rubric.sha256, "per_turn": j in plan.turn_judges}
                       for j in (*plan.judges, *plan.turn_judges)],
            "checks": [{"name": c.name, "version": c.version} for c in plan.checks]}


def execute_sessions(plan: SessionPlan, reporter: Reporter) -> SessionSummary:
    """Run the plan under the run directory's lock; exports are rewritten however it ends."""
    from .exports import write_session_exports

    for model in plan.models():
        model.check_ready()
    make_out(plan.out)
    with RunDirLock(plan.out, plan.wait):
        store = session_store(plan.out)
        try:
            ident = store.start_invocation(_record(plan))
            try:
                summary = _run(plan, store, reporter)
            except BaseException as exc:
                status = 130 if isinstance(exc, KeyboardInterrupt) else getattr(
                    exc, "exit_code", 1)
                store.finish_invocation(ident, {"error": type(exc).__name__}, status)
                write_session_exports(plan.out, store)
                raise
            store.finish_invocation(ident, {"sessions": summary.sessions,
                                            "finished": summary.finished,
                                            "new_turns": summary.new_turns,
                                            "scored": summary.scored,
                                            "expected": summary.expected,
                                            "undone": dict(summary.undone),
                                            "stopped": summary.stopped},
                                    summary.exit_status(plan.allow_unscored))
            write_session_exports(plan.out, store)
            return summary
        finally:
            store.close()
            for model in plan.models():
                model.close()


def _run(plan: SessionPlan, store: Store, reporter: Reporter) -> SessionSummary:
    started = time.time()
    for judge in (*plan.judges, *plan.turn_judges):
        store.put_rubric(judge.rubric)
    if plan.imported:
        sessions = {s.key: s for s in plan.imported}
        held = HoldOutcome(sessions, new_turns=_store_imported(plan.imported, store))
    else:
        sessions = open_sessions(plan.cards, plan.selected, plan.model, plan.label,
                                 plan.client, plan.samples, store)
        held = HoldOutcome(sessions)
    stopped, judged, checks = "", 0, 0
    try:
        if not plan.imported:
            held = hold_sessions(sessions, plan.model, plan.client, plan.turns, store, reporter)
        done = _finished(plan, sessions)
        if plan.checks:
            checks = check_turns(plan.checks, done, store)
        judged = _judge(plan, done, store, reporter)
    except EndpointError as exc:
        stopped = str(exc)
    scored, expected, undone = _tally(plan, sessions, held, store, stopped)
    return SessionSummary(plan.out, len(sessions), len(_finished(plan, sessions)),
                          held.new_turns, expected, scored, judged, checks, undone, stopped,
                          round(time.time() - started, 2))


def _finished(plan: SessionPlan, sessions: dict[str, Session]) -> list[Session]:
    """Sessions ready to judge (imported ones are as finished as they were held)."""
    return list(sessions.values()) if plan.imported else finished(sessions.values(), plan.turns)


def _store_imported(imported: tuple[Session, ...], store: Store) -> int:
    """Store the turns of imported sessions the store lacks; how many were new."""
    stored = turns_of(store.db, [s.key for s in imported])
    have = {t.key for turns in stored.values() for t in turns}
    new = [t for s in imported for t in s.turns if t.key not in have]
    put_turns(store.db, new)
    return len(new)


def _context(plan: SessionPlan) -> JudgeContext:
    if plan.cards is None:
        base = plan.imported[0].base
        return JudgeContext(base.card_set, base.card_set_sha)
    return JudgeContext(plan.cards.name, plan.cards.sha256)


def _judge(plan: SessionPlan, done: list[Session], store: Store, reporter: Reporter) -> int:
    new = 0
    tasks = session_tasks(done)
    for judge in plan.judges:
        new += run_judging(judge, tasks, store, reporter, _context(plan),
                           retry_unscored=plan.retry_unscored).new
    per_turn = [task for task, _ in turn_tasks(done)]
    for judge in plan.turn_judges:
        new += run_judging(judge, per_turn, store, reporter, _context(plan),
                           retry_unscored=plan.retry_unscored).new
    return new


def _tally(plan: SessionPlan, sessions: dict[str, Session], held: HoldOutcome, store: Store,
           stopped: str) -> tuple[int, int, collections.Counter]:
    """Scored judgments in scope, how many were expected, and the causes of those undone."""
    undone: collections.Counter = collections.Counter()
    for s in sessions.values():
        if not plan.imported and s.next_turn(plan.turns) is not None:
            why = held.errors.get(s.key) or (f"stopped: {stopped}" if stopped else "unfinished")
            undone[f"session not finished: {why}"] += 1
    done = _finished(plan, sessions)
    groups = [(plan.judges, [t.answer.key for t in session_tasks(done)]),
              (plan.turn_judges, [t.answer.key for t, _ in turn_tasks(done)])]
    scored = expected = 0
    for judges, answer_keys in groups:
        for judge in judges:
            keys = [judge.key(k) for k in answer_keys]
            stored = store.judgments(keys)
            failures = store.failures(keys)
            expected += len(keys)
            for key in keys:
                j = stored.get(key)
                if j is not None and j.status == SCORED:
                    scored += 1
                elif j is not None:
                    undone[f"judge {judge.name}: {j.status} (no usable rating)"] += 1
                else:
                    undone[failures.get(key) or f"judge {judge.name}: not judged"] += 1
    return scored, expected, undone
