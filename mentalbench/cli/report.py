"""`mentalbench report`: statistics, figures and a self-contained page from run directories."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="report")
@click.argument("run_dirs", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "-o", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The report folder to write (replaced whole if it holds an older report).")
@click.option("--resamples", default=10_000, show_default=True, type=click.IntRange(min=100),
              help="Bootstrap resamples of the questions.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seed of the bootstrap draws (recorded in manifest.json).")
@click.option("--baseline", metavar="MODEL",
              help="Count each model's Holm-significant metric wins against this model.")
@click.option("--length-reference", "length_reference", multiple=True, metavar="MODEL",
              help="Fit the length curve of the length-controlled score on these models alone "
                   "(repeatable, at least two, spanning the answer lengths), so that no model's "
                   "LC moves when other models join or leave the report (default: every model).")
@click.option("--judge", "judges", multiple=True, metavar="NAME",
              help="Report only this judge (repeatable; default: every judge).")
@click.option("--metric", "metrics", multiple=True, metavar="KEY",
              help="Report only this metric key (repeatable; default: the rubric's metrics, "
                   "overall and metrics_mean).")
@click.option("--question-set", metavar="NAME",
              help="The question set to report when the runs hold several.")
@click.option("--rubric", metavar="NAME", help="The rubric to report when the runs hold several.")
def report_cmd(run_dirs, out_dir, resamples, seed, baseline, length_reference, judges, metrics,
               question_set, rubric):
    """Write report.html and CSV tables of the judgments in one or more run directories.

    Means with 95% bootstrap intervals over questions, paired model comparisons (Wilcoxon,
    Holm), judge agreement (Krippendorff's alpha, ICC), length sensitivity and
    length-controlled scores, win counts, checks and judge health. No model or API is called.
    Runs of different question sets or rubrics are not mixed in one table: pick one with
    --question-set / --rubric. Session runs (`run --cards`) among RUN_DIRS get their own
    section, OUT/sessions/sessions.html (see `mentalbench sessions report`).
    """
    from ..inputs.output_paths import refuse_run_folder, run_folder_of
    from ..models.progress import working
    from ..report import ReportOptions, require_report_extra, write_report
    from ..results.tables import load_results
    from ..sessions.report import write_session_report
    from ..sessions.runner import STORE

    require_report_extra()
    run = run_folder_of(out_dir)
    if run is not None and not any(Path(d).resolve() == run.resolve() for d in run_dirs):
        refuse_run_folder(out_dir, "--out")
    elif run is not None:  # a run's own report folder, the one `run --report` writes
        refuse_run_folder(out_dir, "--out", allowed=run / "report")
    options = ReportOptions(resamples=resamples, seed=seed, baseline=baseline,
                            length_reference=tuple(length_reference),
                            judges=tuple(judges), metrics=tuple(metrics),
                            question_set=question_set, rubric=rubric)
    single = [d for d in run_dirs if (d / "store.sqlite").is_file() or not (d / STORE).is_file()]
    sessions = [d for d in run_dirs if (d / STORE).is_file()]
    if single:
        with working("reading run stores"):
            results = load_results(single)
        with working("writing the report"):
            path = write_report(results, out_dir, options,
                                sessions_page="sessions/sessions.html" if sessions else None)
        click.echo(f"Report: {path}")
    if sessions:
        where = out_dir / "sessions" if single else out_dir
        with working("writing the sessions report"):
            path = write_session_report(sessions, where)
        click.echo(f"Sessions report: {path}")


COMMANDS = (report_cmd,)
