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

from ..inputs.rubric import Rubric
from ..records.base import Score
from .from_json import json_ratings
from .from_lines import line_ratings
from .judge_text import as_read
from .names import Rating, name_table
from .quotes import QuotedMaterial, quoted_lines


def _own_ratings(text: str, rubric: Rubric) -> list[Rating]:
    """Rating statements in the reply, less those in '>' lines or echoed marker blocks; line
    ratings in the order of their lines, then JSON ratings."""
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


def _last_complete_set(ratings: Sequence[Rating], keys: Sequence[str]) -> dict[str, float]:
    """Each key's value in the last run of line ratings that rates every key (read from the
    end, the last rating of each key), or {} when no such run exists."""
    last: dict[str, float] = {}
    for r in reversed([r for r in ratings if r.form != "json"]):
        last.setdefault(r.metric, r.value)
        if len(last) == len(keys):
            return last
    return {}


def read_verdict(text: str, rubric: Rubric,
                 quoted: Sequence[str] = ()) -> tuple[dict[str, float | None], set[str]]:
    """Each rated key's rating in the judge's own text (or None), and the keys decided by the
    judge's last complete set of ratings because the answer held the judge's very lines."""
    text = as_read(text)
    found = _own_ratings(text, rubric)
    by_metric: dict[str, list[Rating]] = {m.key: [] for m in rubric.rated}
    for rating in found:
        by_metric[rating.metric].append(rating)
    material = QuotedMaterial(quoted)
    lo, hi = rubric.scale.min, rubric.scale.max
    out = {key: _decide(ratings, material, lo, hi) for key, ratings in by_metric.items()}
    # "Quoted" only by matching the material, yet the judge's own if not: the answer must not
    # be able to unscore a judge by listing every rating. The last complete set decides.
    doubted = [key for key, value in out.items() if value is None
               and any(material.holds(r.source, r.compact) for r in by_metric[key])]
    last = _last_complete_set(found, list(by_metric)) if doubted else {}
    decided = {key for key in doubted if key in last and lo <= last[key] <= hi}
    out.update({key: last[key] for key in decided})
    return out, decided


def parse_ratings(text: str, rubric: Rubric,
                  quoted: Sequence[str] = ()) -> dict[str, float | None]:
    """Each rated key's rating in the judge's own text, or None.

    `quoted`: the question and answer exactly as the judge prompt showed them (Rubric.shown),
    material the judge may quote back.
    """
    return read_verdict(text, rubric, quoted)[0]


def text_scores(text: str, rubric: Rubric, quoted: Sequence[str] = ()) -> tuple[Score, ...]:
    """Scores parsed from a judge's free text (mode 'text'; 'text-last-set' where the quoting
    rule was in doubt and the judge's last complete set of ratings decided)."""
    ratings, decided = read_verdict(text, rubric, quoted)
    return tuple(Score(m.key, ratings[m.key], "text-last-set" if m.key in decided else "text")
                 for m in rubric.rated)


def merge_scores(first: Sequence[Score], repair: Mapping[str, float | None]) -> tuple[Score, ...]:
    """Fill scores that were missing with those a repair request produced."""
    return tuple(s if s.value is not None or repair.get(s.metric) is None
                 else Score(s.metric, repair[s.metric], "text-repair") for s in first)


def _weighted(dist: Mapping[float, float]) -> tuple[float, float] | None:
    """Probability-weighted mean and standard deviation of ratings, normalised; None if empty."""
    dist = {v: p for v, p in dist.items() if math.isfinite(p) and p >= 0}
    total = sum(dist.values())
    if not total > 0 or not math.isfinite(total):
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
            # Plain ASCII digits only ('²' is a digit to str.isdigit), finite logprobs <= 0.
            if not _PLAIN_NUMBER.fullmatch(alt.strip()) or not _is_logprob(logprob):
                continue
            if lo <= int(alt.strip()) <= hi:
                dist[int(alt.strip())] = dist.get(int(alt.strip()), 0.0) + math.exp(logprob)
        if dist:
            out[metric.key] = _logprob_score(metric.key, dist)
    return out


_PLAIN_NUMBER = re.compile(r"[0-9]{1,4}")


def _is_logprob(value: object) -> bool:
    """A log probability a server may send: a finite number <= 0."""
    return isinstance(value, int | float) and math.isfinite(value) and value <= 0


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
