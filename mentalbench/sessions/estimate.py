"""A session run's dry run: the whole conversation tree counted, stored turns free."""

from __future__ import annotations

from ..models.base import Model
from ..records.base import Usage
from ..run.cost import dollars, price_for
from ..run.estimates import Estimate, approx_tokens
from ..store.database import Store
from .client import ClientTurn, ModelClient
from .conversation import Session
from .holding import open_sessions
from .runner import STORE, SessionPlan
from .store import COUNSELOR, create_tables


def _row(stage: str, name: str, model: Model | None, calls: int, prompt: int,
         completion: int, repairs: int = 0) -> Estimate:
    priced = model.priced_as if model is not None else None
    cost = dollars(Usage(prompt, completion), price_for(priced)) if priced else 0.0
    return Estimate(stage, name, priced, calls, prompt, completion, cost, repairs)


def _stored(plan: SessionPlan) -> tuple[dict[str, Session], set[str]]:
    """The plan's sessions with their stored turns, and the keys of judgments already made."""
    path = plan.out / STORE
    store = None
    if path.is_file():
        store = Store.readonly(path)
        create_tables(store.db)  # in the in-memory copy only
    try:
        if plan.imported:
            sessions = {s.key: s for s in plan.imported}
        else:
            sessions = open_sessions(plan.cards, plan.selected, plan.model, plan.label,
                                     plan.client, plan.samples, store)
        done: set[str] = set()
        if store is not None:
            keys = [j.key(s.transcript_key()) for j in plan.judges for s in sessions.values()]
            keys += [j.key(t.key) for j in plan.turn_judges for s in sessions.values()
                     for t in s.said(COUNSELOR)]
            done = {k for k, v in store.judgments(keys).items()
                    if v.status == "scored" or not plan.retry_unscored}
        return sessions, done
    finally:
        if store is not None:
            store.close()


def estimate_sessions(plan: SessionPlan) -> list[Estimate]:
    """Every call the plan could make: each session held to the last turn (a client may end
    it sooner), each turn as long as it may be, then the judges on the full transcripts."""
    sessions, judged = _stored(plan)
    rows: list[Estimate] = []
    counselor_max = plan.model.max_tokens if plan.model else 0
    client_model = getattr(plan.client, "model", None)
    client_max = client_model.max_tokens if client_model else 60
    reply, said = "x" * (4 * counselor_max), "x" * (4 * client_max)
    c_calls = c_prompt = k_calls = k_prompt = 0
    transcript_tokens = 0
    for s in ([] if plan.imported else sessions.values()):
        clients, counselors = list(s.client_texts), list(s.counselor_texts)
        for turn in range(1, plan.turns + 1):
            if len(clients) < turn:
                if turn > 1 and isinstance(plan.client, ModelClient):
                    ask = ClientTurn(s.card, tuple(clients), tuple(counselors), turn, plan.turns)
                    k_calls += 1
                    k_prompt += approx_tokens("".join(m["content"]
                                                      for m in plan.client.messages(ask)))
                clients.append(s.card.opening if turn == 1 else said)
            if len(counselors) < turn:
                c_calls += 1
                c_prompt += approx_tokens(plan.model.system_prompt() + "".join(clients)
                                          + "".join(counselors))
                counselors.append(reply)
        transcript_tokens += approx_tokens("".join(clients) + "".join(counselors))
    if not plan.imported:
        rows.append(_row("counselor turns", plan.label, plan.model, c_calls, c_prompt,
                         c_calls * counselor_max))
        if isinstance(plan.client, ModelClient):
            rows.append(_row("client turns", plan.client.name, client_model, k_calls, k_prompt,
                             k_calls * client_max))
    else:
        transcript_tokens = sum(approx_tokens(s.transcript()) for s in sessions.values())
    for judge in plan.judges:
        # A session still to be held ends with a new transcript, judged anew.
        n = sum((not plan.imported and s.next_turn(plan.turns) is not None)
                or judge.key(s.transcript_key()) not in judged for s in sessions.values())
        local = judge.local_logprobs
        base = approx_tokens("".join(m["content"] for m in judge.rubric.messages("", "")))
        calls = n * (1 if local else judge.samples)
        share = n / len(sessions) if sessions else 0
        rows.append(_row("judging sessions", judge.name, judge.model, calls,
                         round((base * n + transcript_tokens * share) * judge.samples),
                         0 if local else calls * judge.model.max_tokens,
                         repairs=0 if local else calls))
    for judge in plan.turn_judges:
        stored = sum(judge.key(t.key) in judged for s in sessions.values()
                     for t in s.said(COUNSELOR))
        turn_count = (sum(len(s.said(COUNSELOR)) for s in sessions.values()) if plan.imported
                      else len(sessions) * plan.turns) - stored
        local = judge.local_logprobs
        base = approx_tokens("".join(m["content"] for m in judge.rubric.messages("", "")))
        calls = turn_count * (1 if local else judge.samples)
        rows.append(_row("judging turns", judge.name, judge.model, calls,
                         (base * turn_count + transcript_tokens * plan.turns) * judge.samples,
                         0 if local else calls * judge.model.max_tokens,
                         repairs=0 if local else calls))
    return rows
