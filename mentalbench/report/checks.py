"""Deterministic checks: pass rates with intervals, and what the judges rate failing answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..results.bootstrap import Draws, interval
from ..results.rates import wilson_cluster
from .cube import PANEL, Cube, Section
from .floor import adjusted_contrast
from .length import basis

CHECK_COLUMNS = ["check", "kind", "tag", "model", "n", "n_na", "n_questions", "pass_rate",
                 "ci_low", "ci_high"]
RATING_COLUMNS = ["judge", "check", "metric", "n_fail", "mean_fail", "fail_low", "fail_high",
                  "n_pass", "mean_pass", "pass_low", "pass_high", "adjusted_diff",
                  "adjusted_low", "adjusted_high", "raw_diff", "raw_low", "raw_high"]
SAFETY = "safety_trustworthiness"  # the rubric metric a safety check should move


def section_checks(checks: pd.DataFrame, section: Section, cube: Cube) -> pd.DataFrame:
    """The checks of the section's question set, models and questions."""
    if checks.empty:
        return checks
    keep = (checks["model"].isin(cube.models) & checks["question_id"].isin(cube.questions))
    if "question_set" in checks:
        keep &= checks["question_set"] == section.question_set
    return checks[keep]


def _matrices(checks: pd.DataFrame, cube: Cube):
    """Passes, pass-or-fail answers and na answers per question for each (check, model)."""
    pairs = [(c, m) for c in sorted(checks["check"].unique()) for m in cube.models]
    full = pd.MultiIndex.from_tuples([(c, m, q) for c, m in pairs for q in cube.questions])
    shape = (len(pairs), len(cube.questions))
    keys = ["check", "model", "question_id"]

    def count(rows: pd.DataFrame) -> np.ndarray:
        sizes = rows.groupby(keys).size()
        return sizes.reindex(full, fill_value=0).to_numpy(float).reshape(shape).T

    judged = checks[checks["status"].isin(["pass", "fail"])]
    return (pairs, count(judged[judged["status"] == "pass"]), count(judged),
            count(checks[checks["status"] == "na"]))


def check_table(checks: pd.DataFrame, cube: Cube, draws: Draws) -> pd.DataFrame:
    """checks.csv: pass rate (passes / answers checked) per check and model, overall and by
    tag, with a cluster-adjusted Wilson interval; n and n_na both count answers."""
    if checks.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    pairs, passes, judged, na = _matrices(checks, cube)
    groups = [("all", "", np.ones(len(cube.questions), bool))]
    groups += [("tag", t, np.array([t in tags for tags in cube.tags]))
               for t in sorted({t for tags in cube.tags for t in tags})]
    rows = []
    for kind, tag, mask in groups:
        n = judged[mask].sum(axis=0)
        n_na = na[mask].sum(axis=0)
        for i, (check, model) in enumerate(pairs):
            if n[i] or (kind == "all" and n_na[i]):  # a tag where the check never applies: out
                rate, low, high = wilson_cluster(passes[mask, i], judged[mask, i])
                rows.append({"check": check, "kind": kind, "tag": tag, "model": model,
                             "n": int(n[i]), "n_na": int(n_na[i]),
                             "n_questions": int((judged[mask, i] > 0).sum()),
                             "pass_rate": rate, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def _answer_ratings(section: Section, cube: Cube, metric: str) -> pd.DataFrame:
    """Rating per (judge, model, question_id, sample): judge samples averaged; panel added."""
    scored = section.rows[section.rows["status"] == "scored"]
    per = scored.groupby(["judge_label", "model", "question_id", "sample"])[
        [metric, "words"]].mean()
    per = per.reset_index().rename(columns={"judge_label": "judge", metric: "rating"})
    if PANEL in cube.judges:
        wide = per.pivot_table(index=["model", "question_id", "sample"], columns="judge",
                               values="rating")
        panel = wide.reindex(columns=list(cube.real_judges)).mean(axis=1, skipna=False)
        panel = panel.dropna().rename("rating").reset_index().assign(judge=PANEL)
        words = per.groupby(["model", "question_id", "sample"])["words"].first()
        panel = panel.merge(words.reset_index(), on=["model", "question_id", "sample"])
        per = pd.concat([per, panel], ignore_index=True)
    return per


def check_rating_table(checks: pd.DataFrame, section: Section, cube: Cube,
                       draws: Draws) -> pd.DataFrame:
    """Per judge and check: mean safety rating of failing against passing answers, with CIs;
    the contrast within model and adjusted for length (model fixed effects and the length
    fit's basis) first, the raw pooled one beside it."""
    if checks.empty or SAFETY not in section.rubric_keys:
        return pd.DataFrame(columns=RATING_COLUMNS)
    ratings = _answer_ratings(section, cube, SAFETY)
    verdicts = checks[checks["status"].isin(["pass", "fail"])][
        ["check", "model", "question_id", "sample", "status"]]
    joined = ratings.merge(verdicts, on=["model", "question_id", "sample"])
    qindex = {q: i for i, q in enumerate(cube.questions)}
    mindex = {m: i for i, m in enumerate(cube.models)}
    rows = []
    for (judge, check), part in joined.groupby(["judge", "check"], sort=True):
        q = part["question_id"].map(qindex).to_numpy()
        fail = (part["status"] == "fail").to_numpy(float)
        r = part["rating"].to_numpy(float)
        sums = np.zeros((len(cube.questions), 4))  # fail sum, fail n, pass sum, pass n
        np.add.at(sums, q, np.column_stack([r * fail, fail, r * (1 - fail), 1 - fail]))
        both = np.vstack([sums.sum(axis=0), draws.counts @ sums])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_fail, mean_pass = both[:, 0] / both[:, 1], both[:, 2] / both[:, 3]
        diff = mean_fail - mean_pass
        (fl, fh), (pl, ph), (dl, dh) = (interval(x[1:]) for x in (mean_fail, mean_pass, diff))
        # The length fit's full basis: thousands of answers afford every knot, and a form
        # chosen for the judge's scores alone could leave length in the contrast.
        term = basis(np.log(part["words"].clip(lower=1).to_numpy(float)))
        adjusted = adjusted_contrast(draws.counts, q, part["model"].map(mindex).to_numpy(),
                                     fail, term, r, len(cube.questions), len(cube.models))
        rows.append({"judge": judge, "check": check, "metric": SAFETY,
                     "n_fail": int(fail.sum()), "mean_fail": mean_fail[0], "fail_low": fl,
                     "fail_high": fh, "n_pass": int((1 - fail).sum()),
                     "mean_pass": mean_pass[0], "pass_low": pl, "pass_high": ph,
                     "adjusted_diff": adjusted[0], "adjusted_low": adjusted[1],
                     "adjusted_high": adjusted[2], "raw_diff": diff[0], "raw_low": dl,
                     "raw_high": dh})
    order = {j: i for i, j in enumerate(cube.judges)}
    out = pd.DataFrame(rows, columns=RATING_COLUMNS)
    return out.sort_values("judge", key=lambda s: s.map(order), kind="stable",
                           ignore_index=True)
