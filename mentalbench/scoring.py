"""Turn a judge's output into per-metric Scores, matched by metric name; never invent a score."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from .records import Score
from .rubric import Metric, Rubric

_NUMBER = r"(\d+(?:\.\d+)?)"
# Between a metric's name and its rating: markdown, colons, dashes, quotes, "rating"/"score".
_GAP = r"[\s*_`'\"]*(?:\((?:[^()\n]{0,40})\))?[\s*_`'\"]*(?:rating|score)?[\s*_`'\"]*[:=\-–—]?[\s*_`'\"]*"


def _name_pattern(name: str) -> str:
    """A forgiving regex for a metric name: any case, '&'/'and', hyphens or spaces between words."""
    words = [w for w in re.findall(r"[a-z0-9]+", name.lower()) if w != "and"]
    joiner = r"(?:[\s\-_/]*(?:&|and|\+)?[\s\-_/]*)"
    return joiner.join(re.escape(w) for w in words)


def _rating_regex(metric: Metric) -> re.Pattern[str]:
    names = [_name_pattern(metric.name)]
    if metric.key == "overall":
        # A bare "Rating: [[n]]" counts as overall only at the start of a line.
        names += [r"overall\s*rating", r"final\s*rating", r"^[\s*_#>\-]*rating"]
    alt = "|".join(names)
    return re.compile(
        rf"(?<![a-z])(?:{alt})(?![a-z]){_GAP}(?:\[\[\s*{_NUMBER}\s*\]\]|{_NUMBER}(?:\s*/\s*10\b|\s*out of\s*10)?(?!\d|\.\d|\s*/\s*\d|\s*out of))",
        re.IGNORECASE | re.MULTILINE)


def _normal(key: str) -> str:
    return "".join(w for w in re.findall(r"[a-z0-9]+", key.lower()) if w != "and")


def _json_ratings(text: str) -> dict[str, float]:
    """Ratings from the last JSON object in the text, keyed by normalised name."""
    found: dict[str, float] = {}
    for match in re.finditer(r"\{[^{}]*\}", text, re.DOTALL):
        try:
            obj = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            for k, v in obj.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    found[_normal(str(k))] = float(v)
                elif isinstance(v, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", v):
                    found[_normal(str(k))] = float(v)
    return found


def parse_ratings(text: str, rubric: Rubric) -> dict[str, float | None]:
    """Find each rated slot by name; the last rating given for a name wins; out of range is None."""
    lo, hi = rubric.scale.min, rubric.scale.max
    from_json = _json_ratings(text)
    out: dict[str, float | None] = {}
    for metric in rubric.rated:
        value = None
        matches = list(_rating_regex(metric).finditer(text))
        if matches:
            m = matches[-1]
            value = float(m.group(1) or m.group(2))
        else:
            value = from_json.get(_normal(metric.key), from_json.get(_normal(metric.name)))
        out[metric.key] = value if value is not None and lo <= value <= hi else None
    return out


def text_scores(text: str, rubric: Rubric) -> tuple[Score, ...]:
    """Scores parsed from a judge's free text (mode 'text')."""
    ratings = parse_ratings(text, rubric)
    return tuple(Score(m.key, ratings[m.key], "text") for m in rubric.rated)


def merge_scores(first: Sequence[Score], repair: Mapping[str, float | None]) -> tuple[Score, ...]:
    """Fill scores that were missing with those a repair request produced."""
    return tuple(s if s.value is not None or repair.get(s.metric) is None
                 else Score(s.metric, repair[s.metric], "text-repair") for s in first)


def slot_prefix(metric: Metric) -> str:
    """The text a judge writes right before a metric's rating, in the rubric's format."""
    return f"{metric.name}: [["


def choice_labels(rubric: Rubric) -> list[str]:
    """Every rating the scale allows, closed by ']]' so that '1' and '10' are told apart."""
    return [f"{v}]]" for v in range(rubric.scale.min, rubric.scale.max + 1)]


def expected_scores(rubric: Rubric, distributions: Sequence[Mapping[str, float]]) -> tuple[Score, ...]:
    """Probability-weighted ratings from next-token distributions (mode 'logprobs')."""
    out = []
    for metric, dist in zip(rubric.rated, distributions, strict=True):
        mean = sum(p * float(c.rstrip("]")) for c, p in dist.items())
        var = sum(p * (float(c.rstrip("]")) - mean) ** 2 for c, p in dist.items())
        out.append(Score(metric.key, round(mean, 3), "logprobs", spread=round(var ** 0.5, 3)))
    return tuple(out)
