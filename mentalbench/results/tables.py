"""Everything one or more run directories hold, as tables: what leaderboards and reports read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..records.base import Answer, Judgment
from ..records.hashing import text_sha256
from ..records.identity import JUDGE_FIELDS, JUDGMENT_FIELDS, SECTION_FIELDS, identity_of

#: The columns of `Results.judgments` besides the identity (identity.JUDGMENT_FIELDS).
ROW_COLUMNS = {
    "source": "the run directory the row came from",
    "model": "display label: unique per answer set (suffixed \"@<answer_set>\" on a clash)",
    "model_label": "the label as stored (the --name, or the model id)",
    "judge_label": "judge, suffixed with the identity fields that tell one judge's rows apart",
    "judge_model_served": "the model the API reported serving (provenance, not identity)",
    "status": "scored | partial | unscored | failed | unanswered | empty",
    "error": "why a failed/unanswered/empty row has no scores (\"\" otherwise)",
    "answer_key": "the content key of the answer judged",
    "answer_sha256": "the answer text's hash (\"\" when no judgment was made)",
    "words": "the answer's length in words (NaN when there is no answer)",
    "completion_tokens": "the answer's output tokens",
    "raw": "the judge's own text",
}
#: One row per judgment (made or not): where it came from, its identity, then what it holds;
#: then one float column per rated key of the rubrics (NaN where that key has no rating).
JUDGMENT_COLUMNS = ("source", "model", "model_label",
                    *(f for f in JUDGMENT_FIELDS if f != "model"),
                    *(c for c in ROW_COLUMNS if c not in ("source", "model", "model_label")))
#: What makes two judgment rows the same judgment, across directories.
SAME_JUDGMENT = tuple("model_label" if f == "model" else f for f in JUDGMENT_FIELDS)


@dataclass(frozen=True)
class MetricInfo:
    """One rated key of a rubric: its column name and display name."""

    key: str
    name: str
    overall: bool = False  # the judge's own overall rating, not a rubric metric


@dataclass(frozen=True)
class Results:
    """The run stores of one or more directories, as pandas tables (see the *_COLUMNS docs)."""

    judgments: pd.DataFrame
    answers: pd.DataFrame   # model, answer_set, question_id, sample, answer_key, text, words, tokens
    questions: pd.DataFrame  # question_set, question_set_sha, question_id, position, topic, tags, text
    checks: pd.DataFrame    # model, answer_set, question_id, sample, check, check_version, status,
    #                         evidence, reason, question_set, question_set_sha
    metrics: tuple[MetricInfo, ...]  # the rubric metrics in order, then "overall" if rated
    sources: tuple[dict, ...] = field(default_factory=tuple)  # per directory: path, invocations

    @property
    def metric_keys(self) -> list[str]:
        """The rubric's own metrics (without overall), in rubric order."""
        return [m.key for m in self.metrics if not m.overall]


def load_results(run_dirs: Sequence[Path]) -> Results:
    """Read every run directory's store into one Results (identities kept apart)."""
    if not run_dirs:
        raise InputError("no run directories given")
    parts = [_read_dir(Path(d)) for d in run_dirs]
    answers = pd.concat([p["answers"] for p in parts], ignore_index=True)
    judgments = pd.concat([p["judgments"] for p in parts], ignore_index=True)
    questions = pd.concat([p["questions"] for p in parts], ignore_index=True)
    checks = pd.concat([p["checks"] for p in parts], ignore_index=True)
    questions = questions.drop_duplicates(["question_set_sha", "question_id"], keep="last")
    answers = answers.drop_duplicates(["answer_key"], keep="last")
    checks = checks.drop_duplicates(["key"], keep="last")
    metrics = _metrics([r for p in parts for r in p["rubrics"]], judgments)
    judgments = _dedupe(judgments)
    answers = answers.rename(columns={"model": "model_label"})
    checks = checks.rename(columns={"model": "model_label"})
    labels = _model_labels(pd.concat([judgments[["model_label", "answer_set"]],
                                      answers[["model_label", "answer_set"]]]))
    for frame in (judgments, answers, checks):
        frame.insert(0, "model", [labels.get((m, s), m) for m, s in
                                  zip(frame["model_label"], frame["answer_set"], strict=True)])
    judgments["judge_label"] = _judge_labels(judgments)
    keys = [m.key for m in metrics]
    ordered = [c for c in JUDGMENT_COLUMNS if c in judgments.columns] + \
        [k for k in keys if k in judgments.columns]
    judgments = judgments.reindex(columns=ordered + [k for k in keys if k not in ordered])
    sources = tuple(p["source"] for p in parts)
    return Results(judgments.reset_index(drop=True), answers.reset_index(drop=True),
                   questions.reset_index(drop=True), checks.reset_index(drop=True), metrics,
                   sources)


def _read_dir(run_dir: Path) -> dict:
    from ..inputs.textfiles import require_regular
    from ..store.database import Store

    require_regular(run_dir / "store.sqlite", "the run's store file")
    store = Store.readonly(run_dir / "store.sqlite")
    try:
        sets = store.question_sets()
        names = {q["sha"]: q["name"] for q in sets}
        questions = pd.DataFrame(
            [{"question_set": names.get(sha, ""), "question_set_sha": sha, "question_id": q.id,
              "position": pos, "topic": q.topic, "tags": q.tags, "text": q.text}
             for sha, pos, q in store.questions()],
            columns=["question_set", "question_set_sha", "question_id", "position", "topic",
                     "tags", "text"])
        answers_list = store.all_answers()
        answers = pd.DataFrame(
            [{"model": a.model, "answer_set": a.answer_set, "question_id": a.question_id,
              "sample": a.sample, "answer_key": a.key, "text": a.text,
              "words": len(a.text.split()), "tokens": a.usage.completion_tokens}
             for a in answers_list],
            columns=["model", "answer_set", "question_id", "sample", "answer_key", "text",
                     "words", "tokens"])
        by_key = {a.key: a for a in answers_list}
        rows = [_judgment_row(j, by_key.get(j.answer_key), run_dir) for j in store.all_judgments()]
        judgments = pd.DataFrame(rows, columns=[c for c in JUDGMENT_COLUMNS if c not in
                                                ("model", "judge_label")] + ["scores"])
        checks = pd.DataFrame(
            [{"key": c.key, "model": c.model, "answer_set": c.answer_set,
              "question_id": c.question_id, "sample": c.sample, "answer_key": c.answer_key,
              "check": c.check, "check_version": c.check_version, "status": c.result.status,
              "evidence": c.result.evidence, "reason": c.result.reason,
              "question_set": c.question_set, "question_set_sha": c.question_set_sha}
             for c in store.all_checks()],
            columns=["key", "model", "answer_set", "question_id", "sample", "answer_key",
                     "check", "check_version", "status", "evidence", "reason", "question_set",
                     "question_set_sha"])
        source = {"path": str(run_dir), "question_sets": sets, "rubrics": store.rubrics(),
                  "invocations": store.invocations()}
        scores = pd.DataFrame(list(judgments.pop("scores")), index=judgments.index)
        judgments = pd.concat([judgments, scores.apply(pd.to_numeric, errors="coerce")], axis=1)
        return {"answers": answers, "judgments": judgments, "questions": questions,
                "checks": checks, "rubrics": store.rubrics(), "source": source}
    finally:
        store.close()


def _judgment_row(j: Judgment, answer: Answer | None, run_dir: Path) -> dict:
    made = answer if j.made else None
    return {"source": str(run_dir), **identity_of(j), "model_label": j.model,
            "judge_model_served": j.judge_model_served, "status": j.status, "error": j.error,
            "answer_key": j.answer_key,
            "answer_sha256": text_sha256(made.text) if made else "",
            "words": len(made.text.split()) if made else float("nan"),
            "completion_tokens": made.usage.completion_tokens if made else float("nan"),
            "raw": j.raw, "scores": {s.metric: s.value for s in j.scores}}


def _dedupe(judgments: pd.DataFrame) -> pd.DataFrame:
    """One row per judgment: a later directory's row wins; a success beats a failure."""
    if judgments.empty:
        return judgments
    df = judgments.copy()
    df["_ok"] = df["status"].isin(["scored", "partial", "unscored"])
    df["_order"] = range(len(df))
    # Failures carry no answer hash: they stand for "this question, no judgment", so they merge
    # with any judgment of the same identity and question.
    text_rows = df[df["_ok"]]
    fail_rows = df[~df["_ok"]]
    text_rows = text_rows.drop_duplicates(list(SAME_JUDGMENT) + ["answer_sha256"], keep="last")
    ident = list(SAME_JUDGMENT)
    judged = set(map(tuple, text_rows[ident].astype(str).to_numpy()))
    fail_rows = fail_rows[[tuple(r) not in judged for r in fail_rows[ident].astype(str).to_numpy()]]
    fail_rows = fail_rows.drop_duplicates(ident, keep="last")
    out = pd.concat([text_rows, fail_rows]).sort_values("_order")
    return out.drop(columns=["_ok", "_order"])


def _model_labels(pairs: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Display labels: the stored label, suffixed @answer_set where one label has several sets."""
    sets: dict[str, set[str]] = {}
    for label, answer_set in pairs.drop_duplicates().itertuples(index=False):
        sets.setdefault(label, set()).add(answer_set)
    return {(label, s): (label if len(ss) == 1 else f"{label}@{s or 'schema1'}")
            for label, ss in sets.items() for s in ss}


def _judge_labels(judgments: pd.DataFrame) -> list[str]:
    """The judge name, suffixed with the identity fields that set its rows apart where one name
    covers several (the model asked for, the scoring mode, ...). Served names never split it."""
    if judgments.empty:
        return []
    parts = [f for f in JUDGE_FIELDS if f != "judge" and f not in SECTION_FIELDS]
    varies = {judge: [p for p in parts if rows[p].nunique() > 1]
              for judge, rows in judgments.groupby("judge")}
    return ["/".join([row[0], *(str(v or "unknown") for v, p in zip(row[1:], parts, strict=True)
                                if p in varies[row[0]])])
            for row in judgments[["judge", *parts]].itertuples(index=False)]


def _metrics(rubrics: list[dict], judgments: pd.DataFrame) -> tuple[MetricInfo, ...]:
    """The rubric metrics in the first rubric's order (others' new keys after), overall last."""
    seen: dict[str, MetricInfo] = {}
    overall = None
    # Stores of schema 1 kept no rubric table: their judgments' score keys stand in for it.
    known = {c for c in JUDGMENT_COLUMNS} | {"model_label"}
    rated = [c for c in judgments.columns if c not in known]
    rubrics = [*rubrics, {"metrics": [{"key": k, "name": k, "overall": k == "overall"}
                                      for k in rated]}]
    for rubric in rubrics:
        for m in rubric["metrics"]:
            if m.get("overall"):
                overall = overall or MetricInfo(m["key"], m["name"], True)
            elif m["key"] not in seen:
                seen[m["key"]] = MetricInfo(m["key"], m["name"])
    return (*seen.values(), *((overall,) if overall else ()))
