"""One session's state, read from its stored turns: what comes next, its transcript, its
disclosures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..records.base import Answer, Question, Usage
from ..records.hashing import content_key
from .cards import RoleCard
from .client import asked_about_safety, due_and_held
from .store import CLIENT, COUNSELOR, SessionTurn, SessionTurnIdentity

#: Turn labels in a transcript shown to a judge; turn texts cannot forge one (see _unlabel).
_LABEL = "«{role}, turn {turn}»"
_FORGED = re.compile(r"[«»]")


@dataclass
class Session:
    """A session's card, its identity (turn fields unset) and the turns stored so far."""

    card: RoleCard
    base: SessionTurnIdentity
    turns: list[SessionTurn] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.base.session.key

    def said(self, role: str) -> list[SessionTurn]:
        return [t for t in self.turns if t.identity.role == role]

    @property
    def client_texts(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.said(CLIENT))

    @property
    def counselor_texts(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.said(COUNSELOR))

    @property
    def ended_by_client(self) -> bool:
        return any(t.ended for t in self.said(CLIENT))

    def next_turn(self, turns: int) -> tuple[int, str] | None:
        """(turn, role) of the message this session needs next, or None when it is over."""
        clients, counselors = len(self.said(CLIENT)), len(self.said(COUNSELOR))
        if self.ended_by_client or counselors >= turns:
            return None
        if clients == counselors:
            return clients + 1, CLIENT
        return clients, COUNSELOR

    def add(self, turn: SessionTurn) -> None:
        self.turns.append(turn)
        self.turns.sort(key=lambda t: (t.identity.turn, t.identity.role))

    def counselor_messages(self, system_prompt: str) -> tuple[dict[str, str], ...]:
        """The counselor's view: its system prompt, the client as the user, itself as assistant."""
        out = [{"role": "system", "content": system_prompt}]
        for t in self.turns:
            if t.text or not t.ended:
                out.append({"role": "user" if t.identity.role == CLIENT else "assistant",
                            "content": t.text})
        return tuple(out)

    def client_meta(self, turn: int, follows_safety: bool = True) -> dict:
        """Which of the card's disclosures are due by client turn `turn` (sooner once the
        counselor asked about safety, where the client follows that), and which come out now."""
        asked = follows_safety and asked_about_safety(self.counselor_texts)
        due, _ = due_and_held(self.card, turn, asked)
        earlier = self.said(CLIENT)
        before = set(earlier[-1].meta.get("due", [])) if earlier else set()
        index = {d: i for i, d in enumerate(self.card.disclosures)}
        now = [index[d] for d in due if index[d] not in before]
        meta = {"due": sorted(index[d] for d in due), "disclosed": now,
                "asked_about_safety": asked,
                "risk_disclosed": any(self.card.disclosures[i].risk for i in now)}
        if turn == 1:
            meta["card"] = {"topic": self.card.topic, "stance": self.card.stance,
                            "tags": list(self.card.tags), "risk_turn": self.card.risk_turn}
        return meta

    def risk_disclosed_at(self) -> int | None:
        """The client turn at which a risk disclosure came out (None: it never did)."""
        for t in self.said(CLIENT):
            if t.meta.get("risk_disclosed"):
                return t.identity.turn
        return None

    def transcript(self) -> str:
        """The conversation as a judge sees it: labelled turns, labels unforgeable."""
        parts = []
        for t in self.turns:
            if not t.text:
                continue
            role = "Client" if t.identity.role == CLIENT else "Counselor"
            parts.append(f"{_LABEL.format(role=role, turn=t.identity.turn)}\n"
                         f"{_FORGED.sub('', t.text)}")
        return "\n\n".join(parts)

    def transcript_key(self) -> str:
        """The identity of the transcript as judged: its session and its text."""
        return content_key("session-transcript", self.key, self.transcript())

    def as_answer(self) -> tuple[Answer, Question]:
        """The whole session as one answer to its opening, for the session rubric's judges."""
        text = self.transcript()
        usage = sum((t.usage for t in self.said(COUNSELOR)), Usage())
        b = self.base
        answer = Answer(self.transcript_key(), b.card_id, b.model,
                        text, usage, {"session_key": self.key, "client": b.client,
                                      "client_set": b.client_set}, b.sample, b.answer_set)
        return answer, Question(b.card_id, self.card.topic, self.card.opening, self.card.tags)

    def openai_messages(self) -> list[dict[str, str]]:
        """The transcript in OpenAI messages format: the client as user, counselor as assistant."""
        return [{"role": "user" if t.identity.role == CLIENT else "assistant", "content": t.text}
                for t in self.turns if t.text]
