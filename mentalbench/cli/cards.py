"""Commands for sessions' inputs: role cards and simulated-client templates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

DEFAULT_CARDS = "mentalbench-cards-v1"


def _target(name_or_path: str | None) -> tuple[str, Path]:
    from ..plugins.registry import get_registry

    name = name_or_path or DEFAULT_CARDS
    named = get_registry().card_set(name)
    return (name, named.path) if named else (Path(name).stem, Path(name))


@click.group()
def cards():
    """Validate, list and show role cards (the simulated clients of sessions)."""


@cards.command()
@click.argument("path", required=False, metavar="[NAME|FILE]")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "toml"]),
              help="Override the format read from the file's suffix (.toml, else JSONL).")
def validate(path, fmt):
    """Check a card file (default: the bundled set): counts, or every problem and exit 2."""
    from ..sessions.cards import STANCES, check_cards

    _, target = _target(path)
    found, problems, used = check_cards(target, fmt)
    if problems:
        for p in problems:
            click.echo(f"Error: {p}", err=True)
        sys.exit(2)
    stances = ", ".join(f"{s} {sum(c.stance == s for c in found)}" for s in STANCES)
    click.echo(f"{target}: {len(found)} cards ({used} format); "
               f"{sum(c.late_risk for c in found)} with a late risk disclosure; {stances}")


@cards.command(name="list")
@click.argument("path", required=False, metavar="[NAME|FILE]")
def list_cards(path):
    """List registered card sets, or with NAME|FILE the cards in it (one line each)."""
    from ..plugins.registry import get_registry
    from ..sessions.cards import load_cards

    if path is None:
        for name, entry in sorted(get_registry().card_sets.items()):
            click.echo(f"{name}: {entry.description} ({entry.path})")
        return
    name, target = _target(path)
    for c in load_cards(target, name=name).cards:
        risk = f"risk at turn {c.risk_turn}" if c.risk_turn else "no risk disclosure"
        click.echo(f"{c.id}\t{c.topic}\t{c.stance}\t{risk}\t{','.join(c.tags)}")


@cards.command()
@click.argument("card_id")
@click.option("--cards", "path", metavar="NAME|FILE",
              help=f"The card set (default: {DEFAULT_CARDS}).")
def show(card_id, path):
    """Print one card as JSON."""
    from ..errors import InputError
    from ..sessions.cards import load_cards

    name, target = _target(path)
    card = load_cards(target, name=name).card(card_id)
    if card is None:
        raise InputError(f"card {card_id!r}: not in {target}")
    click.echo(json.dumps(card.to_dict(), indent=2, ensure_ascii=False))


@click.group()
def clients():
    """List and show simulated-client templates (what keeps a client model in its role)."""


@clients.command(name="list")
def list_clients():
    """List registered client templates."""
    from ..plugins.registry import get_registry

    for name, entry in sorted(get_registry().client_templates.items()):
        click.echo(f"{name}: {entry.description} ({entry.path})")


@clients.command(name="show")
@click.argument("template", metavar="NAME|DIR")
@click.argument("card_id")
@click.option("--cards", "path", metavar="NAME|FILE",
              help=f"The card set (default: {DEFAULT_CARDS}).")
@click.option("--turn", type=click.IntRange(min=2), default=2, show_default=True,
              help="The client turn the prompt is for.")
@click.option("--turns", type=click.IntRange(min=1), default=4, show_default=True,
              help="The session's counselor turns.")
@click.option("--asked-about-safety", is_flag=True,
              help="As if the counselor had asked about safety.")
def show_client(template, card_id, path, turn, turns, asked_about_safety):
    """Print the client's system prompt for one card at one turn."""
    from ..errors import InputError
    from ..sessions.cards import load_cards
    from ..sessions.client import resolve_template

    name, target = _target(path)
    card = load_cards(target, name=name).card(card_id)
    if card is None:
        raise InputError(f"card {card_id!r}: not in {target}")
    click.echo(resolve_template(template).system(card, turn, turns, asked_about_safety))


COMMANDS = (cards, clients)
