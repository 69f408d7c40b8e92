"""Simulated Results with known effects, for the report's tests and its benchmark."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentalbench.results.tables import JUDGMENT_COLUMNS, MetricInfo, Results

RUBRIC = ("active_listening", "empathy_validation", "safety_trustworthiness",
          "open_mindedness_non_judgment", "clarity_encouragement", "boundaries_ethical",
          "holistic_approach")
TOPICS = ("Anxiety", "Depression", "Relationships", "Grief and Loss", "Work Stress")
JUDGE_MODELS = {"gpt4": ("openai:gpt-4-turbo", "gpt-4-turbo-2024-04-09"),
                "gemini": ("gemini:gemini-1.0-pro", "gemini-1.0-pro-002")}
WORDS = ("it makes sense to feel this way and small steps can help one day at a time "
         "talking with someone you trust may ease the weight you carry").split()


@dataclass(frozen=True)
class Plan:
    """What to simulate: s = 6 + model + question + judge + metric + beta*tanh(z) + noise."""

    models: int = 4
    questions: int = 30
    names: tuple[str, ...] | None = None  # model labels (default: model-00, model-01, ...)
    judges: tuple[str, ...] = ("gpt4", "gemini")
    model_effect: tuple[float, ...] | None = None  # default: evenly from -1 to +1
    judge_offset: dict[str, float] = field(default_factory=dict)  # a harsh judge: negative
    question_sd: float = 1.0
    noise: float = 1.0
    length_beta: float = 0.0  # planted effect of tanh(standardised log length)
    model_log_length: tuple[float, ...] | None = None  # each model's mean log-length offset
    integer: bool = True  # round to 1..10 like real ratings
    samples: int = 1  # answers per (model, question)
    partial_every: int = 0  # every k-th judgment row is "partial" (0: none)
    crisis_every: int = 5  # every k-th question carries the "crisis" tag
    fail_rate: tuple[float, ...] | None = None  # per model: share of crisis answers failing
    safety_gap: float = 2.0  # how much lower judges rate safety of a failing answer
    answer_words: int = 120
    seed: int = 0

    def effects(self) -> np.ndarray:
        if self.model_effect is not None:
            return np.asarray(self.model_effect, float)
        return np.linspace(-1, 1, self.models)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def synthetic_results(plan: Plan | None = None, **changes) -> Results:
    """Results of plan.models x plan.judges x plan.questions, with the plan's effects planted."""
    plan = plan or Plan(**changes)
    rng = np.random.default_rng(plan.seed)
    models = list(plan.names or [f"model-{i:02d}" for i in range(plan.models)])
    qids = [f"q{i:03d}" for i in range(plan.questions)]
    effect = plan.effects()
    g = rng.normal(0, plan.question_sd, plan.questions)
    log_len = (np.zeros(plan.models) if plan.model_log_length is None
               else np.asarray(plan.model_log_length, float))
    fail_rate = (np.full(plan.models, 0.3) if plan.fail_rate is None
                 else np.asarray(plan.fail_rate, float))
    crisis = [plan.crisis_every and i % plan.crisis_every == 0 for i in range(plan.questions)]
    questions = pd.DataFrame({
        "question_set": "sim", "question_set_sha": "a" * 16, "question_id": qids,
        "position": range(plan.questions),
        "topic": [TOPICS[i % len(TOPICS)] for i in range(plan.questions)],
        "tags": [("crisis",) if c else ("everyday",) for c in crisis],
        "text": [f"Question {q}: I have been struggling lately and do not know what to do."
                 for q in qids]})
    answers, checks, failing = [], [], set()
    for m, model in enumerate(models):
        for q, qid in enumerate(qids):
            for s in range(plan.samples):
                n = max(5, int(round(np.exp(np.log(plan.answer_words) + log_len[m]
                                            + rng.normal(0, 0.4)))))
                text = " ".join(WORDS[(i + q) % len(WORDS)] for i in range(n))
                key = f"{model}/{qid}/{s}"
                answers.append({"model": model, "answer_set": f"{m:08x}", "question_id": qid,
                                "sample": s, "answer_key": key, "text": text, "words": n,
                                "tokens": int(n * 1.3)})
                status = ("na" if not crisis[q] else
                          "fail" if rng.random() < fail_rate[m] else "pass")
                checks.append({"model": model, "answer_set": f"{m:08x}", "question_id": qid,
                               "sample": s, "check": "crisis_referral", "check_version": "1",
                               "status": status, "evidence": "", "reason": "",
                               "question_set": "sim", "question_set_sha": "a" * 16})
                if status == "fail":
                    failing.add(key)
    answers = pd.DataFrame(answers)
    checks = pd.DataFrame(checks)
    # z: each answer's log length against its question's mean, standardised.
    lw = np.log(answers["words"].to_numpy(float))
    dev = lw - answers.groupby("question_id")["words"].transform(
        lambda w: np.log(w.to_numpy(float)).mean()).to_numpy()
    z = dev / dev.std() if dev.std() > 0 else np.zeros_like(dev)  # one model: no length effect
    metric_shift = np.linspace(-0.5, 0.5, len(RUBRIC))
    rows = []
    row_no = 0
    for judge in plan.judges:
        offset = plan.judge_offset.get(judge, 0.0)
        asked, served = JUDGE_MODELS.get(judge, (f"openai:{judge}", f"{judge}-served"))
        for a, ans in enumerate(answers.itertuples()):
            m, q = models.index(ans.model), qids.index(ans.question_id)
            base = 6 + effect[m] + g[q] + offset + plan.length_beta * np.tanh(z[a])
            values = base + metric_shift + rng.normal(0, plan.noise, len(RUBRIC))
            if ans.answer_key in failing:
                values[RUBRIC.index("safety_trustworthiness")] -= plan.safety_gap
            overall = values.mean() + rng.normal(0, 0.3)
            if plan.integer:
                values = np.clip(np.round(values), 1, 10)
                overall = float(np.clip(np.round(overall), 1, 10))
            row_no += 1
            status = "scored"
            if plan.partial_every and row_no % plan.partial_every == 0:
                status = "partial"
                values = values.copy()
                values[3:] = np.nan
            row = {"source": "sim-run", "model": ans.model, "model_label": ans.model,
                   "answer_set": ans.answer_set, "question_id": ans.question_id,
                   "sample": ans.sample, "judge": judge, "judge_label": judge,
                   "judge_model": asked, "judge_model_served": served,
                   "rubric": "mentalgpt", "rubric_sha": "b" * 16,
                   "question_set": "sim", "question_set_sha": "a" * 16, "mode": "text",
                   "status": status, "error": "", "answer_key": ans.answer_key,
                   "answer_sha256": _sha(ans.text), "words": float(ans.words),
                   "completion_tokens": float(ans.tokens),
                   "raw": f"The answer to {ans.question_id} is kind. Rating: [[{overall:.0f}]]"}
            row.update(dict(zip(RUBRIC, map(float, values), strict=True)))
            row["overall"] = float(overall) if status == "scored" else np.nan
            rows.append(row)
    judgments = pd.DataFrame(rows, columns=[*JUDGMENT_COLUMNS, *RUBRIC, "overall"])
    metrics = tuple(MetricInfo(k, k.replace("_", " ").title()) for k in RUBRIC) + (
        MetricInfo("overall", "Overall", overall=True),)
    return Results(judgments=judgments, answers=answers, questions=questions,
                   checks=checks, metrics=metrics,
                   sources=({"path": "sim-run", "invocations": []},))
