"""What `run --cards` and `judge --transcripts` share: session options, plans and summaries."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..inputs.output_paths import plain_name
from .common import judged_folder, run_folder


def session_options(f: Callable) -> Callable:
    """The options that turn `run` into a session run (with --cards)."""
    for option in reversed([
        click.option("--cards", "cards_spec", metavar="NAME|FILE",
                     help="Hold multi-turn sessions with these role cards instead of answering "
                          "questions (a registered set, e.g. mentalbench-cards-v1, or a .jsonl "
                          "or .toml file; see docs/sessions.md)."),
        click.option("--client", "client_id", default="smollm2", show_default=True,
                     help="With --cards: the model that plays each card's client, or "
                          "'scripted' to play the cards' written-out turns."),
        click.option("--client-opt", multiple=True, metavar="K=V",
                     help="With --cards: client model option, repeatable."),
        click.option("--client-template", default="roleplay", show_default=True,
                     metavar="NAME|DIR", help="With --cards: the client template "
                                              "(see `mentalbench clients list`)."),
        click.option("--turns", type=click.IntRange(min=1, max=50), default=4,
                     show_default=True, help="With --cards: counselor turns per session."),
        click.option("--card", "card_ids", multiple=True, metavar="ID",
                     help="With --cards: only these cards (repeatable; default: all, or the "
                          "first --limit)."),
        click.option("--sessions-per-card", "samples", type=click.IntRange(min=1, max=100),
                     default=1, show_default=True,
                     help="With --cards: sessions per card (samples; sample the client, e.g. "
                          "--client-opt temperature=0.8, or they repeat each other)."),
        click.option("--per-turn", is_flag=True,
                     help="With --cards: also judge each counselor turn on the mentalgpt "
                          "rubric, with the conversation so far as its question."),
    ]):
        f = option(f)
    return f


def _selected(cardset, card_ids, limit):
    from ..errors import InputError

    if limit is not None and limit < 1:
        raise InputError(f"--limit {limit}: expected a positive number")
    picked = cardset.cards
    if card_ids:
        missing = [c for c in card_ids if cardset.card(c) is None]
        if missing:
            raise InputError(f"--card {missing[0]!r}: not in card set {cardset.name!r}")
        picked = tuple(c for c in cardset.cards if c.id in set(card_ids))
    return picked[:limit] if limit else picked


def _client(client_id, client_opt, template):
    from ..models.options import parse_pairs
    from ..plugins.registry import get_registry
    from ..sessions.client import ModelClient, ScriptedClient, resolve_template

    if client_id == "scripted":
        if client_opt:
            raise click.UsageError("--client-opt: the scripted client takes no options")
        return ScriptedClient()
    model = get_registry().get_model(client_id, parse_pairs(client_opt, "--client-opt"))
    model.check()
    return ModelClient(model, resolve_template(template), client_id)


def _session_judges(judges, judge_opt, rubric, per_turn):
    from ..judging.judge import Judge
    from ..models.options import parse_pairs
    from ..run.resolve import resolve_judges, resolve_rubric

    resolved = resolve_judges(judges, parse_pairs(judge_opt, "--judge-opt"), rubric or "session")
    turn_judges = ()
    if per_turn:
        single = resolve_rubric("mentalgpt")
        turn_judges = tuple(Judge(j.spec, j.model, single, j.samples) for j in resolved)
    return resolved, turn_judges


def run_sessions(*, model_id, model_opt, name, out, cards_spec, client_id, client_opt,
                 client_template, turns, card_ids, samples, per_turn, judges, judge_opt, rubric,
                 limit, checks, no_checks, no_retry_unscored, allow_unscored, wait, dry_run):
    """`run --cards`: plan the session run, then dry-run it or execute it."""
    from ..models.options import parse_pairs
    from ..plugins.registry import get_registry
    from ..sessions.cards import resolve_cards
    from ..sessions.runner import SessionPlan
    from ..store.folder import check_out
    from .common import chosen_checks

    cardset = resolve_cards(cards_spec)
    selected = _selected(cardset, card_ids, limit)
    model_opts = parse_pairs(model_opt, "--model-opt")
    model = get_registry().get_model(model_id, model_opts)
    model.check()
    client = _client(client_id, client_opt, client_template)
    if client_id == "scripted":
        unscripted = [c.id for c in selected if not c.script]
        if unscripted:
            from ..errors import InputError

            raise InputError(f"--client scripted: card {unscripted[0]!r} has no written-out "
                             f"turns (script); {len(unscripted)} of {len(selected)} cards lack "
                             "them (pick cards with --card)")
    resolved, turn_judges = _session_judges(judges, judge_opt, rubric, per_turn)
    label = plain_name(name) or model.label()
    out = out or Path("runs") / f"{run_folder(label)}-sessions"
    check_out(out)
    plan = SessionPlan(out=out, cards=cardset, selected=selected, model=model, label=label,
                       client=client, turns=turns, judges=resolved, turn_judges=turn_judges,
                       checks=chosen_checks(checks, no_checks), samples=samples,
                       retry_unscored=not no_retry_unscored, allow_unscored=allow_unscored,
                       wait=wait,
                       arguments={"model": model_id, "model_opt": model_opts, "name": name,
                                  "cards": cards_spec, "card": list(card_ids), "limit": limit,
                                  "client": client_id,
                                  "client_opt": parse_pairs(client_opt, "--client-opt"),
                                  "client_template": client_template, "turns": turns,
                                  "sessions_per_card": samples,
                                  "per_turn": per_turn, "judges": [j.name for j in resolved],
                                  "judge_opt": parse_pairs(judge_opt, "--judge-opt"),
                                  "rubric": rubric})
    if dry_run:
        from ..run.estimates import format_estimate
        from ..sessions.estimate import estimate_sessions

        rows = estimate_sessions(plan)
        click.echo(f"Dry run for {plan.out} ({len(selected) * samples} sessions, up to {turns} "
                   "counselor turns each):")
        return click.echo(format_estimate(rows))
    finish_sessions(plan)


def finish_sessions(plan) -> None:
    """Execute a session plan; print its summary and session leaderboard; exit 0, 3 or 130."""
    from ..models.progress import reporter_for
    from ..sessions.runner import execute_sessions

    ctx = click.get_current_context()
    ctx.meta["mentalbench.out"] = plan.out
    summary = execute_sessions(plan, reporter_for())
    click.echo(f"sessions: {summary.finished} of {summary.sessions} finished "
               f"({summary.new_turns} turns new); judgments: {summary.scored} of "
               f"{summary.expected} scored ({summary.judged} made this run); checks: "
               f"{summary.checks} new; {summary.seconds:.1f}s", err=True)
    if summary.left:
        cause, count = summary.undone.most_common(1)[0]
        click.echo(f"unfinished or unscored: {summary.left}; most common cause ({count}): "
                   f"{cause}", err=True)
    click.echo(f"Transcripts: {plan.out / 'transcripts.jsonl'}", err=True)
    click.echo(f"Session leaderboard: {plan.out / 'sessions.csv'}", err=True)
    print_session_board(plan.out)
    status = summary.exit_status(plan.allow_unscored)
    if summary.stopped:
        click.echo(f"Error: {summary.stopped}", err=True)
    if status:
        sys.exit(status)


def print_session_board(out: Path) -> None:
    """The session leaderboard's main columns and the referral floor, on stdout."""
    import pandas as pd

    board = pd.read_csv(out / "sessions.csv")
    if board.empty:
        click.echo("(no sessions judged yet)")
    else:
        shown = [c for c in ("model", "client", "judge", "n_cards", "metrics_mean",
                             "metrics_mean_ci_low", "metrics_mean_ci_high", "exploration",
                             "risk_response") if c in board.columns]
        click.echo(board[shown].to_string(index=False))
    safety = pd.read_csv(out / "session_safety.csv")
    if not safety.empty:
        click.echo("Crisis referral within one turn of a risk disclosure:")
        click.echo(safety[["model", "client", "risk_sessions", "disclosed", "never_disclosed",
                           "referred_within_one", "share", "share_ci_low", "share_ci_high",
                           "median_turns"]].to_string(index=False))


def judge_transcripts(*, path, name, out, cards_spec, per_turn, judges, judge_opt, rubric,
                      checks, no_checks, no_retry_unscored, allow_unscored, wait, dry_run):
    """`judge --transcripts`: store sessions held elsewhere and judge them like session runs."""
    from ..sessions.cards import resolve_cards
    from ..sessions.runner import SessionPlan
    from ..sessions.transcripts import read_transcripts
    from ..store.folder import check_out
    from .common import chosen_checks

    plain_name(name)
    cardset = resolve_cards(cards_spec) if cards_spec else None
    imported = read_transcripts(Path(path), name, cardset)
    resolved, turn_judges = _session_judges(judges, judge_opt, rubric, per_turn)
    models = sorted({s.base.model for s in imported})
    out = out or Path("runs") / judged_folder(models).replace("-judged", "-sessions-judged")
    check_out(out)
    plan = SessionPlan(out=out, cards=None, selected=(), model=None, label="+".join(models),
                       client=None, turns=max(len(s.said("counselor")) for s in imported),
                       judges=resolved, turn_judges=turn_judges,
                       checks=chosen_checks(checks, no_checks), imported=tuple(imported),
                       retry_unscored=not no_retry_unscored, allow_unscored=allow_unscored,
                       wait=wait, arguments={"transcripts": str(path), "name": name,
                                             "cards": cards_spec, "per_turn": per_turn,
                                             "judges": [j.name for j in resolved],
                                             "rubric": rubric})
    if dry_run:
        from ..run.estimates import format_estimate
        from ..sessions.estimate import estimate_sessions

        click.echo(f"Dry run for {plan.out} ({len(imported)} transcripts):")
        return click.echo(format_estimate(estimate_sessions(plan)))
    finish_sessions(plan)
