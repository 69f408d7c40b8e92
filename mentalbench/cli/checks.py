"""Commands for the deterministic checks: list them, or run them on one answer."""

from __future__ import annotations

import click


@click.group(invoke_without_command=True)
@click.pass_context
def checks(ctx):
    """List registered deterministic checks with their versions (`checks run` to try them;
    an opt-in check runs only when named with --check)."""
    if ctx.invoked_subcommand is not None:
        return
    from ..checks import resolve_checks
    from ..plugins.registry import get_registry

    reg = get_registry()
    for check in resolve_checks(opt_in=True):
        aliases = sorted(a for a, c in reg.checks.items() if c is check and a != check.name)
        shown = f" (aliases: {', '.join(aliases)})" if aliases else ""
        opt_in = "" if check.default else f" (opt-in: --check {check.name})"
        click.echo(f"{check.name}{shown} {check.version}:{opt_in} {check.description} "
                   f"[{reg.plugin_of['check:' + check.name]}]")


@checks.command(name="run")
@click.option("--question", required=True, help="The help-seeking message.")
@click.option("--answer", required=True, help="The answer to check.")
@click.option("--tag", "tags", multiple=True, help="A tag of the question (repeatable).")
@click.option("--check", "names", multiple=True,
              help="A check to run (repeatable; default: every registered check).")
def run_checks_command(question, answer, tags, names):
    """Run checks on one answer: each check's status, reason and evidence."""
    from ..checks import resolve_checks, run_checks
    from ..records.base import Question

    q = Question(id="cli", topic="", text=question, tags=tuple(tags))
    for name, result in run_checks(resolve_checks(names), q, answer).items():
        click.echo(f"{name}: {result.status} - {result.reason}")
        if result.span is not None:
            start, end = result.span
            click.echo(f"  evidence [{start}:{end}]: {result.evidence}")


COMMANDS = (checks,)
