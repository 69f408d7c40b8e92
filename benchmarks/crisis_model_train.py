"""Train the word model that crisis_referral reads untagged questions with, and write its
weights (mentalbench/checks/data/risk_model.json); --cross-validate measures the recipe with each
other writer's set held out in turn.

Features: risk_model.grams (the normalised words and adjacent word pairs, the code the check
runs), kept when in at least MIN_DF training questions, sublinear tf-idf, L2-normalised. Model:
logistic regression, C = 8, classes weighted to balance. A question applies when P >= THRESHOLD,
or when the concept rules read risk and P >= RULES_VETO. Recipe and both cut-offs were chosen
before crisis_fresh6 and crisis_fresh7 were read (those two sets measure it), on two things at
once: each of crisis_fresh2-5 held out in turn (--cross-validate), and the 169 untagged questions
of the bundled question set, long posts none of which shows risk now. A word model fitted to the
writers' short posts reads the narrative of a long post as risk: at P >= 0.6 it flagged 18 of
those 169; at 0.8 it flags 2, and the held-out recall falls from 0.99 to 0.95.
Run: PYTHONPATH=. .venv/bin/python benchmarks/crisis_model_train.py [--cross-validate]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
WEIGHTS = ROOT / "mentalbench" / "checks" / "data" / "risk_model.json"
OURS = ("crisis_labelled.jsonl", "crisis_dev2.jsonl")
WRITERS = ("crisis_fresh2.jsonl", "crisis_fresh3.jsonl", "crisis_fresh4.jsonl",
           "crisis_fresh5.jsonl")
TRAIN_FILES = (*OURS, *WRITERS)
MIN_DF = 2
C = 8.0
THRESHOLD = 0.8
RULES_VETO = 0.3
DIGITS = 6


def questions(path: Path) -> list[dict]:
    """The question rows of a labelled file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if r["kind"] == "question"]


def digest(rows: list[dict]) -> str:
    """What the weights were trained on: a hash of the rows' ids and texts, in order."""
    text = "\n".join(r["id"] + "\t" + r["question"]["text"] for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fit(rows: list[dict]):
    """The fitted vectoriser and regression for `rows`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from mentalbench.checks.risk_model import grams

    texts = [r["question"]["text"] for r in rows]
    y = [r["expected"] == "applies" for r in rows]
    vec = TfidfVectorizer(analyzer=grams, sublinear_tf=True, min_df=MIN_DF).fit(texts)
    model = LogisticRegression(C=C, max_iter=10000, class_weight="balanced")
    return vec, model.fit(vec.transform(texts), y)


def weights(rows: list[dict]) -> dict:
    vec, model = fit(rows)
    coef = model.coef_[0]
    vocabulary = {g: [round(float(vec.idf_[i]), DIGITS), round(float(coef[i]), DIGITS)]
                  for g, i in sorted(vec.vocabulary_.items())}
    return {"features": "risk_model.grams, sublinear tf-idf, L2-normalised", "min_df": MIN_DF,
            "C": C, "threshold": THRESHOLD, "rules_veto": RULES_VETO,
            "training": {"rows": len(rows), "applies": sum(r["expected"] == "applies"
                                                           for r in rows),
                         "files": list(TRAIN_FILES), "sha": digest(rows)},
            "intercept": round(float(model.intercept_[0]), DIGITS), "vocabulary": vocabulary}


def train() -> None:
    from mentalbench.checks.risk_model import RiskModel

    rows = [r for name in TRAIN_FILES for r in questions(DATA / name)]
    w = weights(rows)
    WEIGHTS.write_text(json.dumps(w, separators=(",", ":")) + "\n", encoding="utf-8")
    # The check's pure-Python reading must give sklearn's probabilities.
    vec, model = fit(rows)
    texts = [r["question"]["text"] for r in rows]
    mine = RiskModel(WEIGHTS)
    worst = max(abs(mine.score(t).probability - p) for t, p in
                zip(texts, model.predict_proba(vec.transform(texts))[:, 1], strict=True))
    print(f"trained on {len(rows)} questions ({w['training']['applies']} at risk), "
          f"{len(w['vocabulary'])} grams; largest difference from sklearn {worst:.1e}; "
          f"wrote {WEIGHTS}")


def cross_validate() -> None:
    """Each other writer's set held out in turn: precision and recall of the recipe."""
    from mentalbench.checks import resolve_checks

    check = next(c for c in resolve_checks() if c.name == "crisis_referral")
    by_file = {name: questions(DATA / name) for name in TRAIN_FILES}
    print(f"{'held out':22} {'reader':16} {'precision':>9} {'recall':>6}")
    for held in WRITERS:
        rows = [r for name in TRAIN_FILES if name != held for r in by_file[name]]
        vec, model = fit(rows)
        test = by_file[held]
        p = model.predict_proba(vec.transform([r["question"]["text"] for r in test]))[:, 1]
        rules = [check.risk_reader.read(r["question"]["text"]) is not None for r in test]
        want = [r["expected"] == "applies" for r in test]
        for reader, got in (
                ("rules", rules), ("words", [x >= THRESHOLD for x in p]),
                ("words + rules", [x >= THRESHOLD or (ru and x >= RULES_VETO)
                                   for x, ru in zip(p, rules, strict=True)])):
            tp = sum(w and g for w, g in zip(want, got, strict=True))
            print(f"{held:22} {reader:16} {tp / max(1, sum(got)):9.3f} "
                  f"{tp / max(1, sum(want)):6.3f}")
    bundled()


def bundled() -> None:
    """How often the shipped reading flags the bundled questions by their text alone."""
    from mentalbench.checks import resolve_checks
    from mentalbench.inputs.questions import load_questions
    from mentalbench.inputs.resources import question_file

    check = next(c for c in resolve_checks() if c.name == "crisis_referral")
    found = load_questions(question_file("mentalbench-200.jsonl")).questions
    flagged = [q for q in found if check.risk_read(q) is not None]
    tagged = sum("crisis" in q.tags for q in found)
    print(f"bundled questions, read by their text alone: {sum('crisis' in q.tags for q in flagged)}"
          f" of {tagged} tagged crisis, {sum('crisis' not in q.tags for q in flagged)} of "
          f"{len(found) - tagged} others")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross-validate", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.cross_validate:
        cross_validate()
    else:
        train()


if __name__ == "__main__":
    main()
