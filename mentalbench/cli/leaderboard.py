"""`mentalbench leaderboard`: one leaderboard over the stores of several run directories."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command(name="leaderboard")
@click.argument("run_dirs", nargs=-1, required=True,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--output", "-o", metavar="FILE",
              help="Write the leaderboard's CSV here (with FILE.manifest.json beside it); '-' "
                   "writes the same CSV to stdout. Default: print a table.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default=None,
              help="Output format (default: a table on the terminal, csv with -o).")
@click.option("--columns", metavar="LIST",
              help="The table's columns: CSV column names separated by commas, or 'all' "
                   "(default: model, judge, scored/set, metrics_mean [95% CI], coverage when "
                   "not complete, and the metrics under short headers, fitted to the "
                   "terminal's width).")
def leaderboard_cmd(run_dirs, output, fmt, columns):
    """Merge the stores of run directories into one leaderboard, never pooling identities.

    Rows differ by model (and answer set), judge, the model the judge asked for and the one that
    served, rubric and question set. One judgment found in several directories counts once; a
    question that failed in one and was judged in another counts once, as judged. Partial rows
    (fewer questions scored than the set holds) come after complete ones.

    Every mean and n_scored are over the same fully scored questions (samples of a question
    averaged first). Rows sort by metrics_mean, the mean of the rubric's metrics; overall is the
    judge's own overall rating, a separate number. coverage tells a deliberate subset
    (`subset 20/200`, after --limit) from a run that did not finish. Every CSV column is
    explained in the table of columns of docs/cli.md.

    Pairwise runs (judge --judge-mode pairwise) add a row per judge and model with bt_score,
    the Bradley-Terry score of the overall verdicts on the Elo scale (baseline at 1000),
    bt_low/bt_high (95% question-bootstrap interval), bt_style (length and markdown held
    equal) and win_rate against the baseline.
    """
    from ..errors import InputError
    from ..inputs.output_paths import refuse_run_folder, refuse_store
    from ..models.progress import working
    from ..records.hashing import file_sha256
    from ..results.board_table import metric_names, table_text
    from ..results.leaderboard import leaderboard, to_csv
    from ..results.pairwise_tables import with_pairwise
    from ..results.tables import load_results
    from ..store.escaping import terminal_frame
    from ..store.files import write_atomic

    for d in run_dirs:
        if not (d / "store.sqlite").is_file():
            raise InputError(f"{d}: not a run directory (no store.sqlite)")
    with working("reading run stores"):
        results = load_results(list(run_dirs))
        board = with_pairwise(leaderboard(results), results, list(run_dirs))
    if board.empty:
        raise InputError(f"{', '.join(map(str, run_dirs))}: no judgments to rank")
    fmt = fmt or ("csv" if output else "table")
    if columns and fmt != "table":
        raise InputError("--columns: only for --format table (CSV and JSON hold every column)")
    text = (to_csv(board) if fmt == "csv" else
            board.to_json(orient="records", indent=1) + "\n" if fmt == "json" else
            table_text(terminal_frame(board), metric_names(results), columns) + "\n")
    if not output or output == "-":
        click.echo(text, nl=False)
        return
    path = Path(output)
    for target in (path, path.with_name(path.name + ".manifest.json")):
        refuse_run_folder(target, "--output")
        refuse_store(target, "--output")
    write_atomic(path, text)
    manifest = {"mentalbench_leaderboard": 1, "format": fmt, "rows": len(board),
                "sources": [{"path": str(d), "store_sha256": file_sha256(d / "store.sqlite")}
                            for d in run_dirs]}
    write_atomic(path.with_name(path.name + ".manifest.json"),
                 json.dumps(manifest, indent=2) + "\n")
    click.echo(f"Leaderboard: {path}", err=True)


COMMANDS = (leaderboard_cmd,)
