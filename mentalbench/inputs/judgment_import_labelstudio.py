"""Label Studio exports of the tasks `mentalbench rate --export FILE.json` wrote: each
annotation's ratings become a human:<annotator> judgment of the answer the task names."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .rubric import Rubric
from .textfiles import read_text


@dataclass(frozen=True)
class Annotation:
    """One annotator's ratings of one task's answer."""

    where: str
    question_id: str
    model: str
    sample: int
    rater: str
    scores: Mapping[str, float | None]
    raw: str


def _rater(completed_by: Any) -> str:
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email") or completed_by.get("id")
    return str(completed_by if completed_by not in (None, "") else "unknown")


def is_label_studio(path: Path) -> bool:
    """Whether a JSON file is a list of Label Studio tasks (objects with 'data')."""
    try:
        tasks = json.loads(read_text(path))
    except (ValueError, InputError):
        return False
    return isinstance(tasks, list) and bool(tasks) and isinstance(tasks[0], dict) \
        and isinstance(tasks[0].get("data"), dict)


def annotations(path: Path, rubric: Rubric) -> list[Annotation]:
    """Every annotation of a Label Studio JSON export; errors name the task and field."""
    try:
        tasks = json.loads(read_text(path))
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(tasks, list):
        raise InputError(f"{path}: expected a JSON list of Label Studio tasks")
    keys = {m.key for m in rubric.rated}
    lo, hi = rubric.scale.min, rubric.scale.max
    out = []
    for n, task in enumerate(tasks):
        where = f"{path}: task {n + 1}"
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str)
                                                 for k in ("question_id", "model")):
            raise InputError(f"{where}: field 'data': expected question_id and model (as "
                             "`mentalbench rate --export` writes them)")
        for a in task.get("annotations") or []:
            if not isinstance(a, dict) or a.get("was_cancelled"):
                continue
            scores: dict[str, float | None] = dict.fromkeys(sorted(keys))
            comment = ""
            for r in a.get("result") or []:
                name, value = r.get("from_name"), r.get("value") or {}
                if name in keys and "rating" in value:
                    rating = value["rating"]
                    if not isinstance(rating, int | float) or not lo <= rating <= hi:
                        raise InputError(f"{where}: rating of {name!r}: expected a number "
                                         f"from {lo} to {hi}, got {rating!r}")
                    scores[name] = float(rating)
                elif name == "comment":
                    comment = " ".join(value.get("text") or [])
            raw = json.dumps({"seconds": a.get("lead_time", 0), "comment": comment})
            out.append(Annotation(where, data["question_id"], data["model"],
                                  int(data.get("sample") or 0), _rater(a.get("completed_by")),
                                  scores, raw))
    if not out:
        raise InputError(f"{path}: no annotations found")
    return out
