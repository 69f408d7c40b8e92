"""Sessions held elsewhere: OpenAI messages JSONL (one conversation a line) read as sessions."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..inputs.textfiles import check_unicode, json_objects
from ..records.hashing import content_key, file_sha256
from .cards import CardSet, Persona, RoleCard
from .conversation import Session
from .store import CLIENT, COUNSELOR, SessionTurn, SessionTurnIdentity

ROLES = {"user": CLIENT, "assistant": COUNSELOR}


def _messages(raw: object, where: str) -> list[tuple[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where}: field 'messages': expected a non-empty list of "
                         "{role, content} objects")
    out = []
    for i, m in enumerate(raw):
        field = f"messages[{i}]"
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant") \
                or not isinstance(m.get("content"), str):
            raise InputError(f"{where}: field {field!r}: expected role system, user or "
                             "assistant and a string content")
        check_unicode(m["content"], where, field)
        if m["role"] != "system":
            out.append((ROLES[m["role"]], m["content"].strip()))
    roles = [r for r, _ in out]
    expected = [CLIENT if i % 2 == 0 else COUNSELOR for i in range(len(roles))]
    if roles != expected or COUNSELOR not in roles:
        raise InputError(f"{where}: field 'messages': expected user and assistant turns taking "
                         "turns, starting with the user (the client), with at least one reply")
    return out


def _stand_in(card_id: str, opening: str) -> RoleCard:
    """A card for a transcript no card set names: its opening, nothing disclosed."""
    return RoleCard(card_id, "", Persona("", "", ""), "", "", "", opening)


def read_transcripts(path: Path, name: str | None, cards: CardSet | None) -> list[Session]:
    """Every conversation of the file as a finished session of model `name` (or the row's)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such transcripts file")
    digest = file_sha256(path)
    sessions: dict[str, Session] = {}
    for lineno, row in json_objects(path, "a JSON object (one conversation)"):
        where = f"{path}:{lineno}"
        model = name or row.get("model")
        if not isinstance(model, str) or not model.strip():
            raise InputError(f"{where}: field 'model': expected the counselor's name (or pass "
                             "--name)")
        card_id = str(row.get("card_id") or row.get("id") or f"line-{lineno}")
        turns = _messages(row.get("messages"), where)
        card = cards.card(card_id) if cards else None
        if cards and card is None:
            raise InputError(f"{where}: field 'card_id': {card_id!r} is not in card set "
                             f"{cards.name!r}")
        card = card or _stand_in(card_id, turns[0][1])
        sample = row.get("sample", 0)
        if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
            raise InputError(f"{where}: field 'sample': expected a whole number >= 0")
        base = SessionTurnIdentity(model.strip(), content_key("transcripts", digest)[:8],
                                   "imported", digest[:8], cards.name if cards else path.stem,
                                   cards.sha256 if cards else digest, card_id, sample)
        s = Session(card, base)
        if s.key in sessions:
            raise InputError(f"{where}: a second conversation for card {card_id!r}, sample "
                             f"{sample} of {model!r}: give each its own 'sample'")
        for i, (role, text) in enumerate(turns):
            turn = i // 2 + 1
            meta = s.client_meta(turn) if role == CLIENT else {}
            s.add(SessionTurn(base.at(turn, role), text, False, meta=meta))
        sessions[s.key] = s
    if not sessions:
        raise InputError(f"{path}: no conversations found")
    return list(sessions.values())
