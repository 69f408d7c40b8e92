"""Commands that describe what is installed: question sets, models, judges, plugins."""

from __future__ import annotations

import json
import sys

import click

from ..plugins.loading import get_plugins


@click.group()
def questions():
    """Inspect and validate question sets."""


@questions.command()
@click.argument("path", required=False)
@click.option("--format", "fmt", type=click.Choice(["native", "fastchat", "csv"]))
def validate(path, fmt):
    """Check a question file (default: the bundled set): count, or every problem and exit 2."""
    from ..inputs.questions import check_questions
    from ..run.resolve import DEFAULT_QUESTIONS, named_or_path

    target, named = named_or_path("questions", path or DEFAULT_QUESTIONS, must_exist=False)
    items, problems, used = check_questions(target, fmt or (named.format if named else None))
    if problems:
        for p in problems:
            click.echo(f"Error: {p}", err=True)
        sys.exit(2)
    click.echo(f"{target}: {len(items)} questions ({used} format)")


@questions.command(name="list")
def list_sets():
    """List registered question sets."""
    from ..plugins.registry import get_registry

    for name, entry in sorted(get_registry().question_sets.items()):
        click.echo(f"{name}: {entry.description} ({entry.path})")


@click.command()
def models():
    """List registered models and id prefixes, with aliases."""
    from ..plugins.registry import get_registry

    for name, e in sorted(get_registry().models.items()):
        shown = f"{name}:<target>" if e.prefix else name
        aliases = f" (aliases: {', '.join(e.aliases)})" if e.aliases else ""
        click.echo(f"{shown}{aliases} - {e.description} [{e.plugin}]")


@click.command()
def judges():
    """List registered judges, then the table of what replaces the paper's retired judges.

    Any model id can also judge. The table gives each paper judge's model, its shutdown date,
    the replacement that judges now with its settings, and the vendor page that says so.
    """
    from ..judging.paper_judges import describe_table
    from ..plugins.registry import get_registry

    reg = get_registry()
    for name, spec in sorted(reg.judges.items()):
        aliases = [a for a, n in reg.judge_aliases.items() if n == name]
        shown = f" (aliases: {', '.join(sorted(aliases))})" if aliases else ""
        click.echo(f"{name}{shown}: model {spec.model}, mode {spec.mode}, rubric {spec.rubric}"
                   f" - {spec.description}")
    click.echo("")
    for line in describe_table():
        click.echo(line)


@click.command()
def plugins():
    """List loaded plugins with the hooks they implement, as JSON."""
    click.echo(json.dumps(get_plugins(), indent=2))


COMMANDS = (questions, models, judges, plugins)
