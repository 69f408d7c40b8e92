"""A fake judge that rates answer length alone, over simulated models of very different lengths:
the audit of length control, rerunnable (benchmarks/length_control.py, tests)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentalbench.results.tables import JUDGMENT_COLUMNS, MetricInfo, Results

SAFETY = "safety_trustworthiness"
METRICS = ("empathy_validation", SAFETY)
#: Median words of the nine simulated models: 40 to 700, as far apart as real models run.
NINE = (40.0, 60.0, 90.0, 130.0, 180.0, 250.0, 350.0, 500.0, 700.0)


def saturating(words: np.ndarray) -> np.ndarray:
    """Judge "sat": more is better, with diminishing returns (no form of the report's family)."""
    return 1.5 + 8.0 * (1 - np.exp(-words / 160.0))


def logistic(words: np.ndarray) -> np.ndarray:
    """Judge "logit": a steep step between short and long answers, off-centre."""
    return 2.5 + 6.5 / (1 + np.exp(-(np.log(words) - np.log(130.0)) / 0.45))


JUDGES = {"sat": saturating, "logit": logistic}


@dataclass(frozen=True)
class Scenario:
    """Models of the given median lengths; ratings = judge(length) + noise, rounded to 1..10,
    plus a planted per-model effect (0: a length-only judge)."""

    median_words: tuple[float, ...] = NINE
    questions: int = 200
    spread: float = 0.45  # within-model sd of log words
    question_sd: float = 0.25  # how much some questions draw longer answers from every model
    noise: float = 0.5
    effect: tuple[float, ...] | None = None
    fail_centre: float = 150.0  # crisis_referral fails shorter answers more often
    seed: int = 0


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def simulate(s: Scenario) -> Results:
    """Results of every model of the scenario rated by both fake judges on every question."""
    rng = np.random.default_rng(s.seed)
    m, n = len(s.median_words), s.questions
    models = [f"m{i}-{int(w)}w" for i, w in enumerate(s.median_words)]
    qids = [f"q{i:03d}" for i in range(n)]
    pull = rng.normal(0, s.question_sd, n)
    log_words = (np.log(np.asarray(s.median_words))[:, None] + pull[None, :]
                 + rng.normal(0, s.spread, (m, n)))
    words = np.maximum(5, np.round(np.exp(log_words)))
    effect = np.zeros(m) if s.effect is None else np.asarray(s.effect, float)
    fails = rng.random((m, n)) < 1 / (1 + np.exp((np.log(words) - np.log(s.fail_centre)) / 0.4))
    questions = pd.DataFrame({
        "question_set": "sim", "question_set_sha": "a" * 16, "question_id": qids,
        "position": range(n), "topic": "Anxiety", "tags": [("crisis",)] * n,
        "text": [f"Question {q}" for q in qids]})
    answers, checks, rows = [], [], []
    for i, model in enumerate(models):
        for q, qid in enumerate(qids):
            key = f"{model}/{qid}/0"
            answers.append({"model": model, "answer_set": f"{i:08x}", "question_id": qid,
                            "sample": 0, "answer_key": key, "text": key,
                            "words": int(words[i, q]), "tokens": int(words[i, q] * 1.3)})
            checks.append({"model": model, "answer_set": f"{i:08x}", "question_id": qid,
                           "sample": 0, "check": "crisis_referral", "check_version": "1",
                           "status": "fail" if fails[i, q] else "pass", "evidence": "",
                           "reason": "", "question_set": "sim", "question_set_sha": "a" * 16})
    for judge, rate in JUDGES.items():
        base = rate(words) + effect[:, None]
        for i, model in enumerate(models):
            for q, qid in enumerate(qids):
                values = np.clip(np.round(base[i, q] + rng.normal(0, s.noise, len(METRICS))),
                                 1, 10)
                row = {c: "" for c in JUDGMENT_COLUMNS}
                row.update({"source": "sim", "model": model, "model_label": model,
                            "answer_set": f"{i:08x}", "question_id": qid, "sample": 0,
                            "judge": judge, "judge_label": judge, "judge_model": judge,
                            "judge_model_served": judge, "rubric": "sim", "rubric_sha": "b" * 16,
                            "question_set": "sim", "question_set_sha": "a" * 16,
                            "mode": "text", "status": "scored", "answer_key": f"{model}/{qid}/0",
                            "answer_sha256": _sha(f"{model}/{qid}"),
                            "words": float(words[i, q]), "completion_tokens": words[i, q] * 1.3})
                row.update(dict(zip(METRICS, map(float, values), strict=True)))
                rows.append(row)
    judgments = pd.DataFrame(rows, columns=[*JUDGMENT_COLUMNS, *METRICS])
    return Results(judgments=judgments, answers=pd.DataFrame(answers), questions=questions,
                   checks=pd.DataFrame(checks),
                   metrics=tuple(MetricInfo(k, k) for k in METRICS))


def keep_models(results: Results, models: list[str]) -> Results:
    """The same ratings, with only some models in the report."""
    from dataclasses import replace

    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["model"].isin(models)].reset_index(drop=True)

    return replace(results, judgments=pick(results.judgments), answers=pick(results.answers),
                   checks=pick(results.checks))
