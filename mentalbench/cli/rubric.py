"""Commands for rubrics: import a FastChat judge prompt, list rubrics, show a rendered prompt."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def rubric():
    """Import, list and show judge rubrics."""


@rubric.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--prompt", "prompt_name", required=True,
              help="The prompt's `name` in FILE (e.g. single-v1).")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="The rubric folder to write (must not exist, or be empty).")
@click.option("--metric", "metrics", multiple=True, metavar="KEY=Name",
              help="A rated metric (repeatable, in order); replaces the prompt's numbered list.")
@click.option("--name", help="The rubric's name (default: the prompt's name).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def import_(file, prompt_name, out, metrics, name, force):
    """Turn one prompt of a FastChat judge_prompts.jsonl FILE into a rubric folder.

    The folder renders the prompt's text exactly, with {question} and {answer} filled in.
    Metrics come from the prompt's numbered "N. Name: definition" list unless --metric is
    given; output_format "[[rating]]" adds an overall rating slot. A pairwise prompt (type
    "pairwise", e.g. FastChat's pair-v2: {question}, {answer_a}, {answer_b}, a verdict [[A]],
    [[B]] or [[C]] for a tie) becomes a pairwise rubric for `judge --judge-mode pairwise`.
    See docs/rubrics.md.
    """
    from ..inputs.rubric_import import find_prompt, import_prompt, read_prompts
    from ..inputs.rubric_import_pairwise import import_pairwise

    prompt = find_prompt(read_prompts(file), prompt_name, file)
    if prompt.type == "pairwise":
        result = import_pairwise(prompt, file, out, name, force)
    else:
        result = import_prompt(file, prompt_name, out, metrics, name=name, force=force)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    overall = f", overall {result.overall.name!r}" if result.overall else ", no overall slot"
    click.echo(f"{result.path}: rubric {result.name!r}, {len(result.metrics)} metrics"
               f"{overall}, scale {result.scale[0]}-{result.scale[1]}, "
               f"slot {result.slot!r}")
    for m in result.metrics:
        click.echo(f"  {m.key}: {m.name}")


@rubric.command(name="list")
def list_rubrics():
    """List registered rubrics: name, metric count, description and folder."""
    from ..errors import MentalbenchError
    from ..inputs.rubric import load_rubric
    from ..plugins.registry import get_registry

    for name, entry in sorted(get_registry().rubrics.items()):
        try:
            loaded = load_rubric(entry.path)
            count = f"{len(loaded.metrics)} metrics" + (" + overall" if loaded.overall else "")
        except MentalbenchError as exc:
            count = f"does not load ({exc})"
        click.echo(f"{name}: {count} - {entry.description} ({entry.path})")


@rubric.command()
@click.argument("rubric_name", metavar="NAME|DIR")
@click.option("--question", required=True, help="The question text.")
@click.option("--answer", required=True, help="The answer text to be judged.")
@click.option("--system", "with_system", is_flag=True,
              help="Print the system message first (then the user message).")
def show(rubric_name, question, answer, with_system):
    """Print the judge prompt a rubric renders for one question and answer.

    Stdout holds the user message exactly as it is sent (then a newline); with --system, the
    system message comes first, each message followed by a newline. Labels go to stderr.
    """
    from ..run.resolve import resolve_rubric

    loaded = resolve_rubric(rubric_name)
    system, user = (m["content"] for m in loaded.messages(question, answer))
    if with_system:
        click.echo("--- system ---", err=True)
        click.echo(system)
        click.echo("--- user ---", err=True)
    click.echo(user)


COMMANDS = (rubric,)
