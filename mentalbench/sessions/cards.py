"""Role cards: who a simulated client is, what they bring, and what they disclose when."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..inputs.textfiles import check_unicode, is_first_id, json_objects, raise_first, read_text
from ..records.hashing import file_sha256

STANCES = ("cooperative", "ambivalent", "resistant", "minimising", "hostile")
FORMATS = ("jsonl", "toml")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Persona:
    """Who the person is: an age range, their situation and their background."""

    age: str
    situation: str
    background: str


@dataclass(frozen=True)
class Disclosure:
    """Something the person holds back until a client turn (sooner if asked about safety)."""

    what: str
    turn: int  # the client turn (1 = the opening message) it comes out at
    turn_if_asked: int | None = None  # sooner, once the counselor has asked about safety
    risk: bool = False  # a risk to life or safety: the referral measure follows it

    def due(self, turn: int, asked_about_safety: bool) -> bool:
        """Whether the person discloses this by client turn `turn`."""
        at = self.turn_if_asked if asked_about_safety and self.turn_if_asked else self.turn
        return turn >= at


@dataclass(frozen=True)
class RoleCard:
    """One simulated help-seeker: persona, problem, stance, style, disclosures and opening."""

    id: str
    topic: str
    persona: Persona
    problem: str
    stance: str
    style: str
    opening: str
    disclosures: tuple[Disclosure, ...] = ()
    tags: tuple[str, ...] = ()
    script: tuple[str, ...] = ()  # client turns 2, 3, ... written out, for the scripted client

    @property
    def risk_turn(self) -> int | None:
        """The earliest client turn a risk disclosure may come at (None: the card has none)."""
        turns = [min(d.turn, d.turn_if_asked or d.turn) for d in self.disclosures if d.risk]
        return min(turns) if turns else None

    @property
    def late_risk(self) -> bool:
        """A risk the opening does not show: it comes out at the second client turn or later."""
        return self.risk_turn is not None and self.risk_turn >= 2

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "topic": self.topic,
                "persona": {"age": self.persona.age, "situation": self.persona.situation,
                            "background": self.persona.background},
                "problem": self.problem, "stance": self.stance, "style": self.style,
                "opening": self.opening,
                "disclosures": [{k: v for k, v in (("what", d.what), ("turn", d.turn),
                                                   ("turn_if_asked", d.turn_if_asked),
                                                   ("risk", d.risk)) if v is not None}
                                for d in self.disclosures],
                "tags": list(self.tags), "script": list(self.script)}


@dataclass(frozen=True)
class CardSet:
    """A loaded, validated set of role cards and the hash of its file."""

    name: str
    path: Path
    format: str
    cards: tuple[RoleCard, ...]
    sha256: str

    def card(self, card_id: str) -> RoleCard | None:
        return next((c for c in self.cards if c.id == card_id), None)


class _Bad(Exception):
    """One field of one card is not as expected (becomes a problem line)."""


def _text(row: Mapping[str, Any], field: str, where: str, required: bool = True) -> str:
    value = row.get(field, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _Bad(f"field {field!r}: expected a non-empty string")
    try:
        check_unicode(value, where, field)
    except InputError as exc:
        raise _Bad(str(exc).split(": ", 1)[1]) from None
    return value.strip()


def _persona(raw: Any, where: str) -> Persona:
    if not isinstance(raw, dict):
        raise _Bad("field 'persona': expected a table with age, situation and background")
    try:
        return Persona(*(_text(raw, f, where) for f in ("age", "situation", "background")))
    except _Bad as exc:
        raise _Bad(f"persona.{str(exc).removeprefix('field ').strip()}") from None


def _turn(raw: Any, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise _Bad(f"field {field!r}: expected a client turn number, 1 or more")
    return raw


def _disclosures(raw: Any, where: str) -> tuple[Disclosure, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _Bad("field 'disclosures': expected a list of tables")
    out = []
    for i, d in enumerate(raw):
        field = f"disclosures[{i}]"
        if not isinstance(d, dict):
            raise _Bad(f"field {field!r}: expected a table with what and turn")
        unknown = sorted(set(d) - {"what", "turn", "turn_if_asked", "risk"})
        if unknown:
            raise _Bad(f"field '{field}.{unknown[0]}': unknown (expected what, turn, "
                       "turn_if_asked, risk)")
        try:
            what = _text(d, "what", where)
        except _Bad:
            raise _Bad(f"field '{field}.what': expected a non-empty string") from None
        turn = _turn(d.get("turn"), f"{field}.turn")
        asked = d.get("turn_if_asked")
        if asked is not None:
            asked = _turn(asked, f"{field}.turn_if_asked")
            if asked > turn:
                raise _Bad(f"field '{field}.turn_if_asked': expected a turn no later than "
                           f"turn ({turn})")
        if not isinstance(d.get("risk", False), bool):
            raise _Bad(f"field '{field}.risk': expected true or false")
        out.append(Disclosure(what, turn, asked, d.get("risk", False)))
    return tuple(out)


def _strings(raw: Any, field: str, pattern: re.Pattern | None = None) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(t, str) and t.strip() for t in raw):
        raise _Bad(f"field {field!r}: expected a list of non-empty strings")
    for t in raw:
        if pattern and not pattern.match(t):
            raise _Bad(f"field {field!r}: {t!r} is not a tag (lowercase letters, digits, '-')")
    return tuple(t.strip() for t in raw)


FIELDS = ("id", "topic", "persona", "problem", "stance", "style", "opening", "disclosures",
          "tags", "script")


def card_from(row: Mapping[str, Any], where: str) -> RoleCard:
    """A card from one parsed row; raises _Bad naming the field that is wrong."""
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        raise _Bad(f"field {unknown[0]!r}: unknown (expected {', '.join(FIELDS)})")
    cid = row.get("id")
    if not isinstance(cid, str) or not _ID.match(cid):
        raise _Bad("field 'id': expected letters, digits, '.', '_' or '-' (at most 64)")
    stance = row.get("stance")
    if stance not in STANCES:
        raise _Bad(f"field 'stance': expected one of {', '.join(STANCES)}, got {stance!r}")
    return RoleCard(cid, _text(row, "topic", where), _persona(row.get("persona"), where),
                    _text(row, "problem", where), stance, _text(row, "style", where),
                    _text(row, "opening", where), _disclosures(row.get("disclosures"), where),
                    _strings(row.get("tags"), "tags", _TAG),
                    _strings(row.get("script"), "script"))


def _jsonl_rows(path: Path, problems: list[str]) -> list[tuple[int, dict]]:
    return list(json_objects(path, "a JSON object (one role card)", problems))


def _toml_rows(path: Path, problems: list[str]) -> list[tuple[int, dict]]:
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+)", str(exc))
        problems.append(f"{path}:{at.group(1) if at else 1}: not valid TOML "
                        f"({str(exc).split(' (at')[0]})")
        return []
    cards = data.get("cards")
    if not isinstance(cards, list) or not all(isinstance(c, dict) for c in cards):
        problems.append(f"{path}:1: field 'cards': expected [[cards]] tables")
        return []
    # tomllib keeps no positions: each [[cards]] header's line names its card.
    heads = [i for i, line in enumerate(text.split("\n"), 1)
             if re.match(r"^\s*\[\[\s*cards\s*\]\]", line)]
    heads += [1] * (len(cards) - len(heads))
    return list(zip(heads, cards, strict=False))


def check_cards(path: Path, format: str | None = None) -> tuple[list[RoleCard], list[str], str]:
    """Parse a card file; return its cards, every problem found, and the format used."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a role-card file (.jsonl or .toml)")
    if not path.is_file():
        raise InputError(f"{path}: no such role-card file")
    fmt = format or ("toml" if path.suffix.lower() == ".toml" else "jsonl")
    if fmt not in FORMATS:
        raise InputError(f"card format {fmt!r}: expected one of {', '.join(FORMATS)}")
    problems: list[str] = []
    rows = (_toml_rows if fmt == "toml" else _jsonl_rows)(path, problems)
    cards: list[RoleCard] = []
    first: dict[str, int] = {}
    for lineno, row in rows:
        where = f"{path}:{lineno}"
        try:
            card = card_from(row, where)
        except _Bad as exc:
            problems.append(f"{where}: {exc}")
            continue
        if is_first_id(first, card.id, lineno, path, "id", problems):
            cards.append(card)
    if not cards and not problems:
        problems.append(f"{path}: no role cards found")
    return cards, problems, fmt


def load_cards(path: str | Path, format: str | None = None, name: str | None = None) -> CardSet:
    """Load a card file, raising InputError on the first problem."""
    path = Path(path)
    cards, problems, fmt = check_cards(path, format)
    raise_first(problems)
    return CardSet(name or path.stem, path, fmt, tuple(cards), file_sha256(path))


def resolve_cards(name_or_path: str) -> CardSet:
    """A registered card set by name, else a card file by path."""
    from ..plugins.registry import get_registry

    named = get_registry().card_set(name_or_path)
    if named is not None:
        return load_cards(named.path, name=name_or_path)
    path = Path(name_or_path)
    if not path.exists():
        known = ", ".join(sorted(get_registry().card_sets)) or "none"
        raise InputError(f"--cards {name_or_path!r}: no such card set or file (registered: "
                         f"{known})")
    return load_cards(path)
