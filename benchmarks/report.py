"""Time `mentalbench report` at full size: 25 models x 2 judges x 200 questions x 9 metric keys.

Synthetic Results (tests/report_data.py: planted model, question, length effects, 1 in 23
judgments partial), 10,000 resamples. First the whole write_report (the number the issue's
60-second target is about), then each stage on its own, for where the time goes. CPU seconds
are given beside wall seconds because this machine is shared: the load average before and
after is recorded with them.

    .venv/bin/python benchmarks/report.py [--models 25] [--questions 200] [--resamples 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.report_data


class Clock:
    """Wall and CPU seconds of named stages."""

    def __init__(self):
        self.rows = []

    def __call__(self, name, fn, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        self.rows.append({"stage": name, "wall_s": round(time.perf_counter() - wall, 2),
                          "cpu_s": round(time.process_time() - cpu, 2)})
        return out


def stages(results, options, clock: Clock) -> None:
    """analyse() and the page, stage by stage (the same calls, in the same order)."""
    from mentalbench.report import analysis as a
    from mentalbench.report.figures import all_figures
    from mentalbench.report.html import render_html

    section = clock("select", a.select, results, options)
    cube = clock("cube", a.build_cube, section, results)
    draws = clock("draws", a.draw, len(cube.questions), options.resamples, options.seed)
    means = clock("means", a.cube_means, cube, draws)
    fits = clock("length fit", a.fit_lengths, cube, means, draws)
    pairs = clock("pairs", a.pair_table, cube, draws, fits)
    checks = a.section_checks(results.checks, section, cube)
    wins = clock("wins", a.win_table, cube, pairs, options.baseline, section.rubric_keys)
    analysis = a.Analysis(
        options=options, section=section, cube=cube, draws=draws, means=means, fits=fits,
        scores=clock("scores", a.score_table, cube, means, fits), pairs=pairs,
        agreement=clock("agreement", a.agreement_table, cube, means, draws),
        length=a.length_table(fits, len(cube.models)),
        by_tag=clock("tags and topics", a.by_tag_table, cube, draws), wins=wins,
        health=clock("judge health", a.health_table, section),
        checks=clock("checks", a.check_table, checks, cube, draws),
        check_ratings=clock("check ratings", a.check_rating_table, checks, section, cube,
                            draws))
    figures = clock("figures", all_figures, analysis)
    clock("html", render_html, analysis, results, figures, {
        "resamples": options.resamples, "seed": 0, "judgments": {}, "versions": {},
        "created": "", "sources": [], "files": []})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=25)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/report.json")
    args = parser.parse_args()

    from mentalbench.report import ReportOptions, write_report
    from tests.report_data import synthetic_results

    import_started = time.perf_counter()
    import matplotlib.figure  # noqa: F401
    import pingouin  # noqa: F401
    import scipy.stats  # noqa: F401
    import statsmodels.stats.multitest  # noqa: F401
    imports = time.perf_counter() - import_started

    results = synthetic_results(models=args.models, questions=args.questions,
                                partial_every=23, length_beta=0.5,
                                model_log_length=tuple((i % 5 - 2) * 0.2
                                                       for i in range(args.models)))
    options = ReportOptions(resamples=args.resamples, baseline="model-00")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        path = write_report(results, Path(tmp) / "report", options)
        total = {"wall_s": round(time.perf_counter() - wall, 2),
                 "cpu_s": round(time.process_time() - cpu, 2)}
        sizes = {p.name: p.stat().st_size for p in path.parent.iterdir()}
    load_mid = os.getloadavg()
    clock = Clock()
    stages(results, options, clock)
    load_after = os.getloadavg()

    keys = 1 + len(results.metric_keys) + 1  # rubric metrics, overall, metrics_mean
    record = {
        "size": {"models": args.models, "judges": 2, "questions": args.questions,
                 "metric_keys": keys, "resamples": args.resamples,
                 "judgment_rows": len(results.judgments)},
        "write_report": total, "imports_s": round(imports, 2), "stages": clock.rows,
        "bytes": sizes, "load_average": {"before": load_before, "after_write": load_mid,
                                         "after_stages": load_after},
        "machine": {"cpu": _cpu(), "cores": os.cpu_count(), "python": platform.python_version(),
                    "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "")},
        "target_s": 60}
    print(f"write_report, {args.models} models x 2 judges x {args.questions} questions x "
          f"{keys} metric keys, {args.resamples} resamples: {total['wall_s']} s wall, "
          f"{total['cpu_s']} s CPU (target 60 s); load average {load_before[0]:.1f} -> "
          f"{load_mid[0]:.1f}")
    print(f"{'stage':<18}{'wall s':>9}{'cpu s':>9}")
    for row in clock.rows:
        print(f"{row['stage']:<18}{row['wall_s']:>9.2f}{row['cpu_s']:>9.2f}")
    print(f"report.html: {sizes['report.html'] / 1e6:.1f} MB; all files: "
          f"{sum(sizes.values()) / 1e6:.1f} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
