"""Finds the data that ships with mentalbench: rubrics, question sets, role cards, clients."""

from __future__ import annotations

from pathlib import Path

#: mentalbench's own folder, however deep in it this module sits.
_PACKAGE = Path(__file__).resolve().parents[__name__.count(".") - 1]


def data_root() -> Path:
    """`_data/` inside an installed wheel, else the source checkout's top level (editable)."""
    bundled = _PACKAGE / "_data"
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent


def rubric_dir(name: str) -> Path:
    return data_root() / "rubrics" / name


def question_file(name: str) -> Path:
    return data_root() / "questions" / name


def card_file(name: str) -> Path:
    return data_root() / "cards" / name


def client_dir(name: str) -> Path:
    return data_root() / "clients" / name
