"""report.html: one self-contained page (inline CSS, JS and SVG) from a Jinja2 template."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..results.tables import Results
from .analysis import Analysis
from .cube import METRICS_MEAN
from .drill import drill_data, packed, question_list
from .figures import Figure, headline

TEMPLATES = Path(__file__).with_name("templates")


def fmt(value, digits: int = 2) -> str:
    """A number for the page; a dash for a missing one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int | bool) or (isinstance(value, float) and value.is_integer()
                                         and digits == 0):
        return f"{int(value)}"
    return f"{value:.{digits}f}"


def fmt_p(value) -> str:
    """A p-value: three decimals, or '<0.001'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def fmt_ci(low, high, digits: int = 2) -> str:
    """An interval 'low – high'; one dash when either end is missing."""
    if "–" in (fmt(low, digits), fmt(high, digits)):
        return "–"
    return f"{fmt(low, digits)} – {fmt(high, digits)}"


def sort_value(value) -> str:
    """What a table cell sorts by (data-v): the number itself, or empty when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value)) if isinstance(value, int | float) else str(value)


def metric_names(results: Results) -> dict[str, str]:
    """Display names of the rated keys (the rubric's), and of metrics_mean."""
    names = {m.key: m.name for m in results.metrics}
    names.setdefault(METRICS_MEAN, "Metrics mean")
    return names


def plural(n: int, word: str) -> str:
    """'1 model', '3 models'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _leaderboards(a: Analysis, metric: str) -> list[dict]:
    """Per judge: rows ordered by rank on the headline metric, with every metric's mean."""
    boards = []
    scores = a.scores
    for judge in a.cube.judges:
        mine = scores[scores["judge"] == judge]
        head = mine[mine["metric"] == metric].sort_values(["rank", "model"])
        wide = mine.pivot_table(index="model", columns="metric", values="mean")
        rows = []
        for r in head.to_dict("records"):
            r["by_metric"] = {k: wide.at[r["model"], k] if k in wide.columns else math.nan
                              for k in a.cube.metrics if k != metric}
            rows.append(r)
        boards.append({"judge": judge, "rows": rows})
    return boards


def _judges(a: Analysis) -> list[dict]:
    rows = a.section.rows
    out = []
    for label in a.cube.real_judges:
        mine = rows[rows["judge_label"] == label]
        out.append({"label": label, "name": ", ".join(sorted(set(mine["judge"]))),
                    "asked": ", ".join(sorted(set(mine["judge_model"].dropna().astype(str)))),
                    "served": ", ".join(sorted(set(mine["judge_model_served"].dropna()
                                                   .astype(str)) - {""})) or "–"})
    return out


def _records(frame: pd.DataFrame | None) -> list[dict]:
    return [] if frame is None else frame.to_dict("records")


def render_html(a: Analysis, results: Results, figures: list[Figure], manifest: dict,
                sessions_page: str | None = None) -> str:
    """The whole page as one string."""
    import jinja2

    from .length import REFERENCE_WORDS

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    names = metric_names(results)
    env.filters.update(fmt=fmt, fmt_p=fmt_p, ci=fmt_ci, sv=sort_value, plural=plural,
                       name=lambda key: names.get(key, str(key).replace("_", " ")))
    metric = headline(a)
    subsets = a.by_tag[a.by_tag["metric"] == metric]
    return env.get_template("report.html.j2").render(
        a=a, manifest=manifest, metric=metric, metrics_mean=METRICS_MEAN,
        boards=_leaderboards(a, metric), judges=_judges(a), figures=figures,
        pairs=_records(a.pairs[a.pairs["metric"] == metric]),
        agreement=_records(a.agreement), length=_records(a.length), wins=_records(a.wins),
        length_reference=f"{REFERENCE_WORDS:g}",
        has_wins=a.wins is not None, sessions_page=sessions_page, tags=_records(subsets[subsets["kind"] == "tag"]),
        topics=_records(subsets[subsets["kind"] == "topic"]),
        checks=_records(a.checks), check_ratings=_records(a.check_ratings),
        health=_records(a.health), questions=question_list(a, results),
        humans=_records(a.humans), rankings=_records(a.rankings), position_bias=_records(a.position_bias),
        human_votes=_records(a.human_votes),
        drill=packed(drill_data(a, results)))
