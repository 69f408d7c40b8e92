"""The per-question drill-down's data: answers, ratings and explanations, packed for the page."""

from __future__ import annotations

import base64
import gzip
import json
import math

from ..results.tables import Results
from .analysis import Analysis
from .cube import METRICS_MEAN


def _number(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def drill_data(analysis: Analysis, results: Results) -> dict:
    """Every question of the report with its text, each model's answers, each judgment."""
    section, cube = analysis.section, analysis.cube
    rows = section.rows
    keys = [k for k in section.metrics if k in rows.columns and k != METRICS_MEAN]
    keys += [k for k in section.rubric_keys if k not in keys]
    models = {m: i for i, m in enumerate(cube.models)}
    judges = {j: i for i, j in enumerate(cube.real_judges)}
    stored = results.answers
    texts = ({} if stored.empty else
             stored.drop_duplicates("answer_key").set_index("answer_key")["text"].to_dict())
    per_question: dict[str, dict] = {
        q["id"]: {"t": q["text"], "a": [], "r": []} for q in question_list(analysis, results)}
    answers = rows.drop_duplicates(["model", "question_id", "sample"])
    for r in answers.itertuples(index=False):
        if r.question_id in per_question and r.model in models:
            text = texts.get(r.answer_key, "") if isinstance(r.answer_key, str) else ""
            per_question[r.question_id]["a"].append(
                [models[r.model], int(r.sample), text if isinstance(text, str) else "",
                 _number(r.words)])
    ratings = rows[keys].astype(float).round(3)
    mean = rows[METRICS_MEAN].astype(float).round(2)
    for r, values, average in zip(rows.itertuples(index=False),
                                  ratings.itertuples(index=False), mean, strict=True):
        if r.question_id in per_question and r.judge_label in judges:
            per_question[r.question_id]["r"].append(
                [models[r.model], int(r.sample), judges[r.judge_label], r.status,
                 [_number(v) for v in values], r.raw if isinstance(r.raw, str) else "",
                 r.error if isinstance(r.error, str) else "", _number(average)])
    return {"keys": keys, "models": list(cube.models), "judges": list(judges),
            "questions": per_question}


def packed(data: dict) -> str:
    """JSON, gzipped and base64-encoded: the page decodes it only when a question is opened."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def question_list(analysis: Analysis, results: Results) -> list[dict]:
    """The report's questions in order: id, topic, tags and text."""
    section, q = analysis.section, results.questions
    text = {}
    if not q.empty:
        q = q[(q["question_set"] == section.question_set)
              & (q["question_set_sha"] == section.question_set_sha)]
        text = dict(zip(q["question_id"], q["text"], strict=True))
    cube = analysis.cube
    return [{"id": qid, "topic": topic, "tags": ", ".join(tags),
             "text": text.get(qid, "") if isinstance(text.get(qid, ""), str) else ""}
            for qid, topic, tags in zip(cube.questions, cube.topics, cube.tags, strict=True)]
