"""`mentalbench rate`: a local page where people rate stored answers, blind, by keyboard."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("run_dirs", nargs=-1, required=True,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--rater", required=True, help="Your name as a rater: ratings are stored as judge "
                                             "human:<rater>.")
@click.option("--mode", type=click.Choice(["single", "pairwise"]), default="single",
              show_default=True,
              help="single: rate each answer on every metric; pairwise: vote on which of two "
                   "answers to one question is better (a, b or t for a tie).")
@click.option("--rubric", help="Rubric to rate by (single: default mentalgpt; pairwise: "
                               "default the bundled pairwise rubric).")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 to serve the page on.")
@click.option("--sample", type=click.IntRange(min=1), metavar="N",
              help="Rate N items instead of all: the same N for every rater with the same "
                   "--seed, drawn evenly across models and topics, so raters overlap.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the sample and of each rater's own order of the items.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE",
              help="Write the sampled items to FILE instead of serving them: JSONL, or a "
                   "Label Studio import file when FILE ends in .json.")
def rate(run_dirs, rater, mode, rubric, port, sample, seed, export_path):
    """Serve a local page on which a rater rates the answers stored in RUN_DIRS.

    The page is blind (no model names; items in the rater's own random order; the sides of a
    pair drawn at random) and keyboard-first (digits rate the focused metric, arrows or Tab
    move, Enter saves and moves on, a/b/t vote on pairs, ? shows the metric descriptions).
    Each rating is committed to the answer's run store as it is given: a human:<rater>
    judgment (single) or a human pairwise vote, with the time spent and any comment.
    Reopening the page continues where the rater stopped; several raters can rate at once,
    each running this command with their own --rater and --port. Needs mentalbench[rate].
    """
    from ..errors import InputError, require
    from ..inputs.pairwise_rubric import resolve_pairwise_rubric
    from ..rating.items import load_sources, pair_items, single_items
    from ..rating.items import sample as draw
    from ..rating.session import Session
    from ..run.resolve import resolve_rubric

    for d in run_dirs:
        if not (d / "store.sqlite").is_file():
            raise InputError(f"{d}: not a run directory (no store.sqlite)")
    sources = load_sources(list(run_dirs))
    items = single_items(sources) if mode == "single" else pair_items(sources)
    chosen = draw(items, sample, seed)
    loaded = resolve_rubric(rubric or "mentalgpt") if mode == "single" else \
        resolve_pairwise_rubric(rubric)
    session = Session(rater, mode, chosen, loaded, seed)
    if export_path is not None:
        from ..rating.export import write_export

        write_export(export_path, session)
        click.echo(f"{len(chosen)} items: {export_path}", err=True)
        return
    require("starlette", "rate", "mentalbench rate")
    require("uvicorn", "rate", "mentalbench rate")
    _check_port(port)
    from ..rating.app import serve

    click.echo(f"Rating {len(chosen)} items as human:{rater} at http://127.0.0.1:{port}/ "
               "(Ctrl+C stops; ratings are saved as they are given)", err=True)
    serve(session, port)


def _check_port(port: int) -> None:
    """A port another program holds is a one-line error, not a server traceback."""
    import socket

    from ..errors import InputError

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise InputError(f"--port {port}: already in use on 127.0.0.1 (another rater's "
                             "page? pick another with --port)") from None


COMMANDS = (rate,)
