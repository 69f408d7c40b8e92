"""write_report: every file of a report, written into a fresh folder that replaces the old one."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..errors import InputError, require
from ..results.tables import Results
from ..store.clock import utc_stamp
from ..store.escaping import csv_text
from ..store.files import write_atomic
from .options import ReportOptions

KIND = "mentalbench-report"
VERSIONED = ("mentalbench", "numpy", "pandas", "scipy", "statsmodels", "krippendorff",
             "pingouin", "matplotlib", "jinja2")
NEEDED = ("numpy", "scipy", "statsmodels", "krippendorff", "pingouin", "matplotlib")


def require_report_extra() -> None:
    """Raise MissingExtra (naming `pip install 'mentalbench[report]'`) if a library is missing."""
    for module in NEEDED:
        require(module, "report", "mentalbench report")


def _versions() -> dict[str, str]:
    out = {}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _source(entry: dict) -> dict:
    """A run directory as the manifest shows it: its path and the dates it was run."""
    dates = sorted({str(i.get("started") or i.get("date") or "")
                    for i in entry.get("invocations") or [] if isinstance(i, dict)} - {""})
    return {"path": str(entry.get("path", "")),
            "dates": f"{dates[0]} to {dates[-1]}" if len(dates) > 1 else "".join(dates),
            "invocations": entry.get("invocations") or []}


def build_manifest(analysis, results: Results, files: list[str]) -> dict:
    """manifest.json: options, identities, counts, versions, dates and the files written."""
    section, cube = analysis.section, analysis.cube
    rows = section.rows
    return {
        "kind": KIND, "format": 1,
        "created": utc_stamp(),
        "resamples": analysis.draws.resamples, "seed": analysis.draws.seed, "level": 0.95,
        "options": {k: list(v) if isinstance(v, tuple) else v
                    for k, v in vars(analysis.options).items()},
        "question_set": {"name": section.question_set, "sha": section.question_set_sha,
                         "questions": len(cube.questions)},
        "rubric": {"name": section.rubric, "sha": section.rubric_sha,
                   "metrics": list(section.rubric_keys)},
        "metrics": list(cube.metrics), "models": list(cube.models), "judges": [
            {"label": label,
             "judge": sorted(set(rows.loc[rows["judge_label"] == label, "judge"])),
             "asked": sorted(set(rows.loc[rows["judge_label"] == label, "judge_model"]
                                 .dropna().astype(str))),
             "served": sorted(set(rows.loc[rows["judge_label"] == label, "judge_model_served"]
                                  .dropna().astype(str)) - {""})}
            for label in cube.real_judges],
        "judgments": {k: int(v) for k, v in rows["status"].value_counts().sort_index().items()},
        "sources": [_source(s) for s in results.sources],
        "pairwise": _pairwise(analysis),
        "versions": _versions(), "files": files}


def _pairwise(analysis) -> dict | None:
    """How the rankings from pairwise votes were drawn (None: no votes)."""
    from .votes import BT_RESAMPLES

    if analysis.rankings.empty:
        return None
    return {"bt_resamples": BT_RESAMPLES, "seed": analysis.draws.seed,
            "judges": sorted(set(analysis.rankings["judge"]))}


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        manifest = out_dir / "manifest.json"
        try:
            kind = json.loads(manifest.read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind != KIND:
            raise InputError(f"{out_dir}: a folder that is not a mentalbench report; "
                             "choose a new or empty --out folder")


def _replace_folder(tmp: Path, out_dir: Path) -> None:
    """Put tmp in out_dir's place: a reader sees the old report or the new one."""
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.replace(out_dir, old / "report")
    try:
        os.replace(tmp, out_dir)
    except BaseException:
        os.replace(old / "report", out_dir)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def write_report(results: Results, out_dir: Path, options: ReportOptions | None = None,
                 sessions_page: str | None = None) -> Path:
    """Compute every table and figure, write the report folder whole; returns report.html.
    `sessions_page`: where, relative to it, a sessions page of the same runs will be linked."""
    require_report_extra()
    from .analysis import analyse
    from .figures import all_figures
    from .html import metric_names, render_html

    options = options or ReportOptions()
    out_dir = Path(out_dir)
    _check_target(out_dir)
    analysis = analyse(results, options)
    texts = {name: csv_text(frame, float_format="%.6g")
             for name, frame in analysis.tables().items()}
    names = ["report.html", *texts, "manifest.json"]
    manifest = build_manifest(analysis, results, names)
    figures = all_figures(analysis, metric_names(results))
    texts["report.html"] = render_html(analysis, results, figures, manifest, sessions_page)
    texts["manifest.json"] = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    tmp.chmod(0o755)  # mkdtemp's 0700 would follow the folder into place
    try:
        for name in names:
            write_atomic(tmp / name, texts[name])
        _replace_folder(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir / "report.html"
