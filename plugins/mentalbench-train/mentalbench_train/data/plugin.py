"""The `mentalbench data` command group: `synth` and `paraphrase`, added by register_commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mentalbench.api import hookimpl

from .dedup import EMBED_NAME
from .pages import DEFAULT_PAGE_PATTERN

SYNTH_MAX_NEW_TOKENS = 4096  # ten 300-word messages in one reply
MESSAGE_MAX_NEW_TOKENS = 1024  # one 300-word message is about 420 tokens
PARAPHRASE_MAX_NEW_TOKENS = 512  # two turns of 50 to 150 words
API_BATCH_SIZE = 10  # messages a request for API models; in-process models get one each
LOCAL_DECODING = {"temperature": "0", "repetition_penalty": "1.2"}


def _out_option(func):
    return click.option("--out", "-o", required=True,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="Output JSONL; rerunning the same command resumes it.")(func)


def _model_options(func):
    func = click.option("--model-opt", multiple=True, metavar="K=V",
                        help="Model option, repeatable (e.g. max_new_tokens=512).")(func)
    return click.option("--model", "-m", "model_id", required=True,
                        help="Model id (see `mentalbench models`).")(func)


def _dry_run_option(func):
    return click.option("--dry-run", is_flag=True,
                        help="Print the calls, tokens and dollars it would take; make none.")(func)


def _allow_remote_option(func):
    return click.option("--allow-remote", is_flag=True,
                        help="Let private text go to a remote API model (off by default).")(func)


@click.group(context_settings={"max_content_width": 100})
def data():
    """Build training data: synthetic conversations, or private transcripts paraphrased locally."""


def _model(model_id: str, pairs: tuple[str, ...],
           defaults: Callable[[bool, set[str]], dict[str, str]], *, private: bool,
           allow_remote: bool, what: str):
    """Options parsed, privacy guard passed (before any lookup or call), model built.

    `defaults(api, known)` gives this command's option defaults for an API model (True) or an
    in-process one whose backend takes the options named in `known`; each applies only where
    the backend has the option and the user gave none. Returns the model and whether it is an
    API model.
    """
    import dataclasses

    from mentalbench.api import get_registry, parse_pairs

    from .privacy import guard, remote_reason

    options = parse_pairs(pairs, "--model-opt")
    if private:  # by name first: refused even when the backend is not installed
        guard(model_id, options, allow_remote=allow_remote, what=what)
    registry = get_registry()
    entry, _ = registry.model_entry(model_id)
    if private:
        guard(model_id, options, allow_remote=allow_remote, what=what, factory=entry.factory)
    api = remote_reason(model_id, options, entry.factory) is not None
    known = {f.name for f in dataclasses.fields(entry.factory.options_class)}
    given = set(options) | ({"max_new_tokens"} if "max_tokens" in options else set())
    options = {**{k: v for k, v in defaults(api, known).items()
                  if k in known and k not in given}, **options}
    return registry.get_model(model_id, options), api


def _local_decoding(api: bool, known: set[str]) -> dict[str, str]:
    """Greedy decoding with a repetition penalty, for in-process backends that take both: small
    models ramble under plain sampling and loop under plain greedy decoding."""
    return {} if api or not set(LOCAL_DECODING) <= known else dict(LOCAL_DECODING)


def _run(work: Callable[[], Any], out: Path) -> Any:
    """Run the pipeline; Ctrl-C says where finished work is and how to resume."""
    try:
        return work()
    except KeyboardInterrupt:
        click.echo(f"Interrupted: finished work is stored beside {out}; run the same command "
                   "again to resume.", err=True)
        sys.exit(130)


def _reporter():
    from mentalbench.api import RichReporter

    return RichReporter()


def _tokens(usage) -> str:
    return f"{usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} output tokens"


def _reasons(counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(),
                                                    key=lambda kv: (-kv[1], kv[0]))) or "none"


@data.command()
@_model_options
@click.option("--count", "-n", type=click.IntRange(min=1), required=True,
              help="Rows the output file should hold.")
@_out_option
@click.option("--topics", type=click.Path(dir_okay=False, path_type=Path),
              help="Topic weights (JSON object, or 'topic,weight' lines) instead of "
                   "CounselChat's 33 topics.")
@click.option("--batch-size", type=click.IntRange(min=1),
              help="Patient messages asked for in one call; 1 asks for one message alone, in a "
                   "prompt whose whole reply is the message [default: the file's own; else "
                   f"{API_BATCH_SIZE} for API models, 1 for in-process models].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the topic draws.")
@click.option("--min-words", type=click.IntRange(min=0), default=100, show_default=True,
              help="Drop messages and answers shorter than this.")
@click.option("--dedup-threshold", type=click.FloatRange(0, 1, min_open=True), default=0.85,
              show_default=True,
              help=f"Drop a message whose {EMBED_NAME} cosine similarity to a kept one is at "
                   "least this.")
@click.option("--no-dedup", is_flag=True, help="Keep near-duplicate messages.")
@click.option("--max-batches", type=click.IntRange(min=0),
              help="Most message batches to ask for in this run [default: twice what --count "
                   "needs, plus 2].")
@click.option("--private", is_flag=True,
              help="The inputs are private: refuse remote models unless --allow-remote.")
@_allow_remote_option
@_dry_run_option
def synth(model_id, model_opt, count, out, topics, batch_size, seed, min_words, dedup_threshold,
          no_dedup, max_batches, private, allow_remote, dry_run):
    """Synthetic counseling conversations: patient messages (in numbered batches, or one a
    request), topics drawn from CounselChat's weights, then a counselor's answer to each;
    filtered and deduplicated.
    """
    from mentalbench.api import COUNSELCHAT_TOPICS

    from .dedup import MiniLMEmbedder, check_embedder
    from .state import stored_settings
    from .synth import SynthPlan, SynthRun
    from .topics import load_topics

    weights = load_topics(topics) if topics else COUNSELCHAT_TOPICS
    stored = stored_settings(out).get("batch_size")

    def size(api: bool) -> int:
        return batch_size or stored or (API_BATCH_SIZE if api else 1)

    def defaults(api: bool, known: set[str]) -> dict[str, str]:
        tokens = min(SYNTH_MAX_NEW_TOKENS, MESSAGE_MAX_NEW_TOKENS * size(api))
        return {"max_new_tokens": str(tokens), **_local_decoding(api, known)}

    model, api = _model(model_id, model_opt, defaults, private=private,
                        allow_remote=allow_remote, what="private data")
    batch_size = size(api)
    plan = SynthPlan(out=out, count=count, batch_size=batch_size, weights=weights,
                     topics_from=str(topics) if topics else "counselchat", seed=seed,
                     min_words=min_words, dedup_threshold=None if no_dedup else dedup_threshold,
                     max_batches=max_batches)
    if dry_run:
        from .costs import estimate_synth
        from .state import row_ids

        have = len(row_ids(out))
        click.echo(estimate_synth(model, max(0, count - have), batch_size, weights, seed))
        return
    model.check()
    if not no_dedup:
        check_embedder()
    out.parent.mkdir(parents=True, exist_ok=True)
    run = SynthRun(plan, model, _reporter(), None if no_dedup else MiniLMEmbedder())
    try:
        s = _run(run.run, out)
    finally:
        run.close()
        model.close()
    _report_synth(s, plan, model)


def _report_synth(s, plan, model) -> None:
    from mentalbench.api import Usage

    from .costs import format_cost

    click.echo(f"Rows: {s.rows} of {plan.count} in {plan.out} ({s.new_rows} new)")
    click.echo(f"Batches: {s.batches} parsed ({s.new_batches} new), {s.unparsed_batches} "
               f"with no usable item; messages found: {s.messages}, asked for but missing: "
               f"{s.missing}")
    click.echo(f"Dropped: {_reasons(s.dropped)}")
    if s.waiting:
        click.echo(f"Kept for later (not yet answered): {s.waiting}")
    total = sum((u for _, u in s.usage.values()), Usage())
    new = sum(s.new_usage.values(), Usage())
    calls = ", ".join(f"{stage} {n}" for stage, (n, _) in s.usage.items())
    click.echo(f"Calls: {calls}; {_tokens(total)}, {format_cost(model, total)} "
               f"(this run: {_tokens(new)}, {format_cost(model, new)})")
    if s.failed_calls:
        click.echo(f"Failed calls (retried on the next run): {s.failed_calls}")
    if s.rows < plan.count:
        click.echo(f"Short of --count by {plan.count - s.rows}: run the same command again to "
                   "continue (or raise --max-batches).")


@data.command()
@_model_options
@click.option("--transcripts", "-t", required=True, type=click.Path(path_type=Path),
              help="A transcript text file, or a folder of .txt/.md files.")
@_out_option
@click.option("--min-words", type=click.IntRange(min=0), default=40, show_default=True,
              help="Drop rounds whose Patient or Counselor turn is shorter than this.")
@click.option("--page-pattern", default=DEFAULT_PAGE_PATTERN, show_default="Page N, - N -",
              help="Regex of page-marker lines, used when a file has no form feeds.")
@click.option("--page-tokens", type=click.IntRange(min=1), default=700, show_default=True,
              help="Page size (estimated tokens) for files with neither form feeds nor markers.")
@click.option("--turns-per-request", type=click.IntRange(1, 2), metavar="1|2",
              help="2: one request a page, whose reply holds both labelled turns; 1: a request "
                   "for the caregiver's turn, then one for the counselor's [default: the file's "
                   "own; else 2 for API models, 1 for in-process models].")
@click.option("--scrub", is_flag=True,
              help="Replace names, emails, phone numbers and addresses before the model sees "
                   "the text.")
@click.option("--names", "names_file", type=click.Path(dir_okay=False, exists=True,
                                                        path_type=Path),
              help="Names to scrub, one a line (implies --scrub).")
@_allow_remote_option
@_dry_run_option
def paraphrase(model_id, model_opt, transcripts, out, min_words, page_pattern, page_tokens,
               turns_per_request, scrub, names_file, allow_remote, dry_run):
    """Private transcripts into training pairs: each page becomes one first-person Patient turn
    and one Counselor turn, written by a LOCAL model (remote APIs are refused).
    """
    from .paraphrase import ParaphrasePlan, ParaphraseRun, load_pages
    from .state import stored_settings

    model, api = _model(model_id, model_opt,
                        lambda api, known: {"max_new_tokens": str(PARAPHRASE_MAX_NEW_TOKENS),
                                            **_local_decoding(api, known)},
                        private=True, allow_remote=allow_remote, what="private transcripts")
    turns = (turns_per_request or stored_settings(out).get("turns_per_request")
             or (2 if api else 1))
    names = ()
    if names_file:
        names = tuple(n.strip() for n in names_file.read_text(encoding="utf-8").splitlines()
                      if n.strip() and not n.lstrip().startswith("#"))
    plan = ParaphrasePlan(out=out, transcripts=transcripts, min_words=min_words,
                          page_pattern=page_pattern, page_tokens=page_tokens,
                          scrub=scrub or bool(names), names=names, turns_per_request=turns)
    loaded = load_pages(plan)
    if dry_run:
        from .costs import estimate_paraphrase

        click.echo(f"{len(loaded[0])} pages in {loaded[2]} files")
        click.echo(estimate_paraphrase(model, loaded[0], turns))
        return
    model.check()
    out.parent.mkdir(parents=True, exist_ok=True)
    run = ParaphraseRun(plan, model, _reporter(), loaded)
    try:
        s = _run(run.run, out)
    finally:
        run.close()
        model.close()
    _report_paraphrase(s, plan, model)


def _report_paraphrase(s, plan, model) -> None:
    from .costs import format_cost

    splits = ", ".join(f"{k} {v}" for k, v in sorted(s.splits.items()))
    click.echo(f"Pages: {s.pages} in {s.files} files (split by {splits or 'nothing'})")
    click.echo(f"Kept: {s.kept}; dropped: {sum(s.dropped.values())} ({_reasons(s.dropped)}); "
               f"failed: {s.failed}")
    if plan.scrub:
        click.echo(f"Scrubbed: {_reasons(s.scrubbed)}")
    n, usage = s.usage
    click.echo(f"Calls: {n}; {_tokens(usage)}, {format_cost(model, usage)} "
               f"(this run: {_tokens(s.new_usage)})")
    click.echo(f"Rows: {plan.out} ({s.new_rows} new); manifest: {s.manifest}")
    if s.failed:
        click.echo(f"{s.failed} pages failed (model errors): run the same command again to "
                   "retry them.")


@hookimpl
def register_commands(cli):
    cli.add_command(data)
