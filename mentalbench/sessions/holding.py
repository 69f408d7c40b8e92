"""Holding sessions: every session advances one turn a round (sessions at once, turns in
order), and every turn is stored the moment it arrives, so a killed run resumes mid-session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models.base import Model, complete_all
from ..models.progress import Reporter
from ..records.base import ChatRequest, Completion
from ..run.answering import answer_set_of
from ..store.database import Store
from .cards import CardSet, RoleCard
from .client import Client, ClientTurn, split_end
from .conversation import Session
from .store import CLIENT, COUNSELOR, SessionTurn, SessionTurnIdentity, put_turns, turns_of


@dataclass
class HoldOutcome:
    """Sessions by key, turns asked for by this run, and why sessions stalled."""

    sessions: dict[str, Session]
    new_turns: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # session key -> why it stalled


def open_sessions(cards: CardSet, selected: Sequence[RoleCard], model: Model, label: str,
                  client: Client, samples: int, store: Store | None) -> dict[str, Session]:
    """Each (card, sample) session with the turns the store holds for it."""
    answer_set = answer_set_of(model)
    sessions = {}
    for card in selected:
        for sample in range(samples):
            base = SessionTurnIdentity(label, answer_set, client.name, client.key(), cards.name,
                                       cards.sha256, card.id, sample)
            s = Session(card, base)
            sessions[s.key] = s
    if store is not None:
        for key, turns in turns_of(store.db, sessions).items():
            sessions[key].turns = turns
    return sessions


def hold_sessions(sessions: dict[str, Session], model: Model, client: Client, turns: int,
                  store: Store, reporter: Reporter) -> HoldOutcome:
    """Advance every session to `turns` counselor turns (or until its client ends it)."""
    outcome = HoldOutcome(sessions)
    while True:
        needs = [(s, *n) for s in sessions.values()
                 if s.key not in outcome.errors and (n := s.next_turn(turns))]
        if not needs:
            return outcome
        clients = [(s, t) for s, t, role in needs if role == CLIENT]
        counselors = [(s, t) for s, t, role in needs if role == COUNSELOR]
        if clients:
            _client_round(clients, client, turns, store, reporter, outcome)
        if counselors:
            _counselor_round(counselors, model, store, reporter, outcome)


def _store(session: Session, turn: SessionTurn, store: Store, outcome: HoldOutcome) -> None:
    put_turns(store.db, [turn])
    session.add(turn)
    outcome.new_turns += 1


def _fail(session: Session, turn: int, role: str, error: str, store: Store,
          outcome: HoldOutcome) -> None:
    outcome.errors[session.key] = f"{role} turn {turn}: {error}"
    b = session.base
    store.record_failure(b.at(turn, role).key, outcome.errors[session.key],
                         {"session_key": session.key, "card_id": b.card_id, "model": b.model,
                          "client": b.client, "turn": turn, "role": role})


def _client_round(needs: list[tuple[Session, int]], client: Client, turns: int, store: Store,
                  reporter: Reporter, outcome: HoldOutcome) -> None:
    asks = []
    for s, t in needs:
        if t == 1:  # the card's opening: written, not asked for
            meta = s.client_meta(1, client.follows_safety)
            _store(s, SessionTurn(s.base.at(1, CLIENT), s.card.opening, meta=meta), store,
                   outcome)
        else:
            asks.append((s, t))
    if not asks:
        return
    marker = client.end_marker()

    def done(i: int, c: Completion) -> None:
        s, t = asks[i]
        if not c.ok:
            return _fail(s, t, CLIENT, c.error or "unknown error", store, outcome)
        text, ended = split_end(c.text, marker) if marker else (c.text.strip(), False)
        if not text and not ended:
            return _fail(s, t, CLIENT, "empty client message", store, outcome)
        meta = s.client_meta(t, client.follows_safety)
        if ended and not text:
            meta = {**meta, "disclosed": [], "risk_disclosed": False}
        _store(s, SessionTurn(s.base.at(t, CLIENT), text, ended, c.usage, meta), store, outcome)

    items = [ClientTurn(s.card, s.client_texts, s.counselor_texts, t, turns) for s, t in asks]
    with reporter.stage(f"client turns ({client.name})", len(items)) as advance:
        client.reply(items, done, advance)


def _counselor_round(needs: list[tuple[Session, int]], model: Model, store: Store,
                     reporter: Reporter, outcome: HoldOutcome) -> None:
    system = model.system_prompt()
    requests = [ChatRequest(s.counselor_messages(system), s.base.at(t, COUNSELOR).key)
                for s, t in needs]

    def done(i: int, c: Completion) -> None:
        s, t = needs[i]
        if not c.ok:
            return _fail(s, t, COUNSELOR, c.error or "unknown error", store, outcome)
        meta = {"finish_reason": c.finish_reason,
                **{k: v for k, v in (("engine", c.engine), ("served_model", c.served_model))
                   if v}}
        _store(s, SessionTurn(s.base.at(t, COUNSELOR), c.text, False, c.usage, meta), store,
               outcome)

    label = needs[0][0].base.model
    with reporter.stage(f"counselor turns ({label})", len(requests)) as advance:
        complete_all(model, requests, advance, done)
