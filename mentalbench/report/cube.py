"""Results -> the score cube: one mean rating per (judge, metric, model, question)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.suggest import did_you_mean
from ..results.tables import Results
from .options import ReportOptions

PANEL = "panel"  # the mean of the LLM judges per answer, reported as a judge of its own
METRICS_MEAN = "metrics_mean"  # the mean of the rubric's metrics in one judgment
OVERALL = "overall"
KEYS = ["model", "judge_label", "question_id"]


@dataclass(frozen=True, eq=False)
class Section:
    """The judgment rows one report covers: one question set, one rubric, the chosen judges."""

    question_set: str
    question_set_sha: str
    rubric: str
    rubric_sha: str
    rows: pd.DataFrame  # every row of the section, any status, with a metrics_mean column
    rubric_keys: tuple[str, ...]  # the rubric's own metrics (all of them)
    metrics: tuple[str, ...]  # the keys reported: rubric metrics, overall, metrics_mean


@dataclass(frozen=True, eq=False)
class Cube:
    """Mean ratings over scored judgments, s[judge, metric, model, question]; NaN where none."""

    scores: np.ndarray
    judges: tuple[str, ...]  # judge labels, then "panel" when there are two or more
    metrics: tuple[str, ...]
    models: tuple[str, ...]
    questions: tuple[str, ...]
    topics: tuple[str, ...]  # per question
    tags: tuple[tuple[str, ...], ...]  # per question
    log_words: np.ndarray  # [model, question]: mean log word count over the samples
    median_words: np.ndarray  # [model]: median words of the model's answers

    @property
    def real_judges(self) -> tuple[str, ...]:
        """The judges that rated answers (without the panel)."""
        return tuple(j for j in self.judges if j != PANEL)


def _one(rows: pd.DataFrame, name: str, option: str) -> tuple[str, str]:
    pairs = sorted(set(zip(rows[name], rows[f"{name}_sha"], strict=True)))
    if len(pairs) > 1:
        names = sorted({p[0] for p in pairs})
        if len(names) > 1:
            raise InputError(f"the runs hold {len(names)} {name.replace('_', ' ')}s "
                             f"({', '.join(names)}): pick one with {option} NAME")
        raise InputError(f"{name.replace('_', ' ')} {names[0]!r} appears with different "
                         f"contents ({', '.join(p[1] for p in pairs)}): report them apart")
    return pairs[0]


def _narrow(rows: pd.DataFrame, column: str, value: str | None, option: str) -> pd.DataFrame:
    if value is None:
        return rows
    kept = rows[rows[column] == value]
    if kept.empty:
        raise InputError(f"{option} {value}: not in the runs"
                         f"{did_you_mean(value, rows[column].unique())} (found: "
                         f"{', '.join(sorted(rows[column].unique()))})")
    return kept


def select(results: Results, options: ReportOptions) -> Section:
    """The rows a report covers; refuses to mix question sets or rubrics in one table."""
    rows = results.judgments
    if rows.empty:
        raise InputError("the runs hold no judgments to report")
    rows = _narrow(rows, "question_set", options.question_set, "--question-set")
    rows = _narrow(rows, "rubric", options.rubric, "--rubric")
    question_set, question_set_sha = _one(rows, "question_set", "--question-set")
    rubric, rubric_sha = _one(rows, "rubric", "--rubric")
    if PANEL in set(rows["judge_label"]):
        raise InputError(f"a judge is labelled {PANEL!r}, the name the report gives the mean "
                         "of all judges: rename that judge")
    if options.judges:
        known = set(rows["judge"]) | set(rows["judge_label"])
        unknown = [j for j in options.judges if j not in known]
        if unknown:
            raise InputError(f"--judge {unknown[0]}: not in the runs"
                             f"{did_you_mean(unknown[0], known)} (found: "
                             f"{', '.join(sorted(set(rows['judge_label'])))})")
        rows = rows[rows["judge"].isin(options.judges) | rows["judge_label"].isin(options.judges)]
    named = [("--baseline", options.baseline),
             *(("--length-reference", m) for m in options.length_reference)]
    for flag, model in named:
        if model is not None and model not in set(rows["model"]):
            raise InputError(f"{flag} {model}: not a model in the runs"
                             f"{did_you_mean(model, set(rows['model']))} (found: "
                             f"{', '.join(sorted(set(rows['model'])))})")
    rubric_keys = tuple(k for k in results.metric_keys if k in rows.columns)
    if not rubric_keys:
        raise InputError("the runs' rubric has no rated metrics")
    rated = [*rubric_keys, *([OVERALL] if any(m.overall for m in results.metrics) else [])]
    available = [*rated, METRICS_MEAN]
    if options.metrics:
        unknown = [k for k in options.metrics if k not in available]
        if unknown:
            raise InputError(f"--metric {unknown[0]}: not a metric of rubric {rubric}"
                             f"{did_you_mean(unknown[0], available)} "
                             f"(expected one of: {', '.join(available)})")
        metrics = tuple(k for k in available if k in options.metrics)
    else:
        metrics = tuple(available)
    rows = rows.copy()
    rows[METRICS_MEAN] = rows[list(rubric_keys)].mean(axis=1, skipna=False)
    if not (rows["status"] == "scored").any():
        raise InputError("the runs hold no scored judgments (every rated key with a value)")
    return Section(question_set, question_set_sha, rubric, rubric_sha,
                   rows.reset_index(drop=True), rubric_keys, metrics)


def question_order(section: Section, results: Results) -> pd.DataFrame:
    """The section's questions (id, topic, tags, text) in the set's order."""
    q = results.questions
    if q.empty:
        q = pd.DataFrame(columns=["question_set", "question_set_sha", "question_id",
                                  "position", "topic", "tags", "text"])
    q = q[(q["question_set"] == section.question_set)
          & (q["question_set_sha"] == section.question_set_sha)]
    q = q.sort_values("position").drop_duplicates("question_id")
    seen = set(section.rows["question_id"])
    out = q[q["question_id"].isin(seen)][["question_id", "topic", "tags", "text"]]
    missing = sorted(seen - set(out["question_id"]))
    if missing:
        extra = pd.DataFrame({"question_id": missing, "topic": "", "tags": [()] * len(missing),
                              "text": ""})
        out = pd.concat([out, extra], ignore_index=True)
    out = out.reset_index(drop=True)
    out["tags"] = [_tags(t) for t in out["tags"]]
    out["topic"] = out["topic"].fillna("").astype(str)
    return out


def _tags(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(t.strip() for t in value.replace(";", ",").split(",") if t.strip())
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    return tuple(str(t) for t in value)


def build_cube(section: Section, results: Results) -> Cube:
    """Average scored rows within (judge, model, question) and lay them out as an array."""
    questions = question_order(section, results)
    rows = section.rows
    scored = rows[rows["status"] == "scored"]
    judges = tuple(sorted(scored["judge_label"].unique()))
    models = tuple(sorted(rows["model"].unique()))
    qids = tuple(questions["question_id"])
    keys = list(section.metrics)
    means = scored.groupby(KEYS, sort=False)[keys].mean()
    full = pd.MultiIndex.from_product([models, judges, qids], names=KEYS)
    values = means.reindex(full).to_numpy(float).reshape(len(models), len(judges), len(qids),
                                                          len(keys))
    scores = values.transpose(1, 3, 0, 2)  # -> [judge, metric, model, question]
    machines = [i for i, j in enumerate(judges) if not j.startswith("human:")]
    if len(machines) > 1:
        # NaN unless every judge scored the answer: the panel covers the same answers for all.
        # Human raters (human:<rater>) stay out: they rate a sample, and are the yardstick.
        scores = np.concatenate([scores, scores[machines].mean(axis=0, keepdims=True)])
        judges = (*judges, PANEL)
    answers = rows.dropna(subset=["words"]).drop_duplicates(["model", "question_id", "sample"])
    log_words = (np.log(answers["words"].clip(lower=1)).groupby(
        [answers["model"], answers["question_id"]]).mean())
    log_words = log_words.reindex(pd.MultiIndex.from_product([models, qids])).to_numpy(float)
    median_words = answers.groupby("model")["words"].median().reindex(models).to_numpy(float)
    return Cube(np.ascontiguousarray(scores), judges, tuple(keys), models, qids,
                tuple(questions["topic"]), tuple(questions["tags"]),
                log_words.reshape(len(models), len(qids)), median_words)
