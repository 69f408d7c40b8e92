"""Turn a judge's output into per-metric Scores, from the judge's own words; never invent one.

Verdict shapes read (each metric found by its name or key, any case, '&' or 'and'):

- the rubric's slot, by default ``Name: [[7]]``, anywhere in a line (``[[ 7 ]]`` too);
- loose lines: ``**Name**: 7``, ``Name: 7/10``, ``Name - 8 out of 10``, ``Name (rating): 7.5``,
  ``Name score: 7``, only where the name starts the line and the rating ends the statement;
- JSON: flat objects, nested objects, lists of ``{"metric": ..., "score": ...}``, in code
  fences or not.

Quoted material never scores: '>' lines, lines between echoed BEGIN/END markers, and lines
or JSON objects that occur in the question or answer as the judge saw them. Slots and JSON
win over loose lines; a metric rated twice with different values, or out of the scale, is
unscored (None).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import statistics
from collections.abc import Mapping, Sequence

from .records import Score
from .rubric import Rubric
from .verdict_json import json_ratings
from .verdict_lines import line_ratings
from .verdict_names import Rating, name_table
from .verdict_quotes import QuotedMaterial, quoted_lines


def _own_ratings(text: str, rubric: Rubric) -> list[Rating]:
    """Rating statements in the reply, less those in '>' lines or echoed marker blocks."""
    raw = text.split("\n")
    starts = list(itertools.accumulate((len(line) + 1 for line in raw), initial=0))
    lines = [line.rstrip("\r") for line in raw]
    skipped = quoted_lines(lines, rubric.markers)
    table = name_table(rubric.rated, rubric.overall)
    found = [r for line, skip in zip(lines, skipped, strict=True) if not skip
             for r in line_ratings(line, rubric, table)]
    found += json_ratings(text, table, rubric.scale.max,
                          lambda offset: skipped[bisect.bisect_right(starts, offset) - 1])
    return found


def _decide(ratings: Sequence[Rating], material: QuotedMaterial, lo: int, hi: int) -> float | None:
    """Slots and JSON first, loose lines only without them: one value, or None if rated twice
    differently or out of the scale. A rating whose line or object is quoted does not count."""
    for explicit in (True, False):
        own: set[float] = set()
        for r in ratings:
            if (r.form != "loose") != explicit or r.value in own:
                continue
            if material.holds(r.source, r.compact):
                continue
            own.add(r.value)
            if len(own) > 1:
                return None
        if own:
            value = own.pop()
            return value if lo <= value <= hi else None
    return None


def parse_ratings(text: str, rubric: Rubric,
                  quoted: Sequence[str] = ()) -> dict[str, float | None]:
    """Each rated key's rating in the judge's own text, or None.

    `quoted`: the question and answer exactly as the judge prompt showed them (Rubric.shown),
    material the judge may quote back.
    """
    by_metric: dict[str, list[Rating]] = {m.key: [] for m in rubric.rated}
    for rating in _own_ratings(text, rubric):
        by_metric[rating.metric].append(rating)
    material = QuotedMaterial(quoted)
    lo, hi = rubric.scale.min, rubric.scale.max
    return {key: _decide(found, material, lo, hi) for key, found in by_metric.items()}


def text_scores(text: str, rubric: Rubric, quoted: Sequence[str] = ()) -> tuple[Score, ...]:
    """Scores parsed from a judge's free text (mode 'text')."""
    ratings = parse_ratings(text, rubric, quoted)
    return tuple(Score(m.key, ratings[m.key], "text") for m in rubric.rated)


def merge_scores(first: Sequence[Score], repair: Mapping[str, float | None]) -> tuple[Score, ...]:
    """Fill scores that were missing with those a repair request produced."""
    return tuple(s if s.value is not None or repair.get(s.metric) is None
                 else Score(s.metric, repair[s.metric], "text-repair") for s in first)


def _weighted(dist: Mapping[float, float]) -> tuple[float, float] | None:
    """Probability-weighted mean and standard deviation of ratings, normalised; None if empty."""
    total = sum(dist.values())
    if total <= 0:
        return None
    mean = sum(v * p for v, p in dist.items()) / total
    var = sum(p * (v - mean) ** 2 for v, p in dist.items()) / total
    return round(mean, 3), round(math.sqrt(var), 3)


def _logprob_score(key: str, dist: Mapping[float, float]) -> Score:
    found = _weighted(dist)
    if found is None:
        return Score(key, None, "logprobs")
    mean, spread = found
    return Score(key, mean, "logprobs", spread)


def expected_scores(rubric: Rubric,
                    distributions: Sequence[Mapping[str, float]]) -> tuple[Score, ...]:
    """Probability-weighted ratings from per-slot distributions over rubric.choice_labels()."""
    values = dict(zip(rubric.choice_labels(), range(rubric.scale.min, rubric.scale.max + 1),
                      strict=True))
    out = []
    for metric, dist in zip(rubric.rated, distributions, strict=True):
        unknown = set(dist) - set(values)
        if unknown:
            raise ValueError(f"not a choice of the rubric's scale: {sorted(unknown)[0]!r}")
        out.append(_logprob_score(metric.key, {values[c]: p for c, p in dist.items()}))
    return tuple(out)


def slot_scores(tokens: Sequence[tuple[str, dict[str, float]]], rubric: Rubric,
                quoted: Sequence[str] = ()) -> dict[str, Score]:
    """Expected ratings from the top logprobs at each metric's slot of a generated reply.

    Only metrics whose text rating parse_ratings accepts (the judge's own, unambiguous) are
    read, at the last slot that wrote that rating; a rating sharing a token with the text
    before it is not readable.
    """
    text = "".join(tok for tok, _ in tokens)
    starts = list(itertools.accumulate((len(tok) for tok, _ in tokens), initial=0))
    said = parse_ratings(text, rubric, quoted)
    lo, hi = rubric.scale.min, rubric.scale.max
    out: dict[str, Score] = {}
    for metric in rubric.rated:
        if said[metric.key] is None:
            continue
        slots = [m for m in re.finditer(re.escape(rubric.slot_prefix(metric))
                                        + r"[ \t]*(\d+(?:\.\d+)?)", text)
                 if float(m.group(1)) == said[metric.key]]
        if not slots:
            continue
        at = slots[-1].start(1)
        i = bisect.bisect_right(starts, at) - 1
        if starts[i] != at and text[starts[i]:at].strip():
            continue  # the rating shares a token with the text before it
        dist: dict[float, float] = {}
        for alt, logprob in tokens[i][1].items():
            if alt.strip().isdigit() and lo <= int(alt.strip()) <= hi:
                dist[int(alt.strip())] = dist.get(int(alt.strip()), 0.0) + math.exp(logprob)
        if dist:
            out[metric.key] = _logprob_score(metric.key, dist)
    return out


def median_scores(samples: Sequence[Sequence[Score]]) -> tuple[Score, ...]:
    """Per metric, the median of the samples' ratings; spread is their standard deviation."""
    out = []
    for column in zip(*samples, strict=True):
        values = [s.value for s in column if s.value is not None]
        mode = "+".join(sorted({s.mode for s in column}))
        if not values:
            out.append(Score(column[0].metric, None, mode))
            continue
        out.append(Score(column[0].metric, round(statistics.median(values), 3), mode,
                         round(statistics.pstdev(values), 3)))
    return tuple(out)
