"""The bundled checks on tests/data/crisis_labelled.jsonl (built by crisis_set_build.py):
precision and recall per check, on the dev part (used to tune the rules), the held-out part
(fixed before any tuning; measured once with the first frozen rules, then used for a second
round) and the fresh part (written after the second freeze, measured once); and on the parts of
tests/data/crisis_dev2.jsonl (built by crisis_dev2_build.py): dev2, hand-written posts measured
once before the concept reader, and the probes dev3 to dev22, each measured once with the rules
of its time (benchmarks/crisis_dev2_items.toml says which), by spelling too. `--extra PATH`
adds a file of the same schema as a part of its own, named by `--extra-name` (default: the
file's stem), whatever its rows' `split` says. The sets of other writers,
tests/data/crisis_fresh2-7.jsonl, are parts fresh2 to fresh7; `--probe` also reads
their questions with the opt-in crisis_referral_probe. fresh2 to fresh5 are training data of the
word model and the probe (each measured once first: RESULTS.md); fresh6 and fresh7 measure them.

Questions: does crisis_referral apply (positive: applies)? Answers: crisis_referral and
professional_referral positive = pass (the answer refers); no_diagnosis positive = fail (the
answer diagnoses). Prints tables; writes benchmarks/results/crisis_floor.json.
Run: PYTHONPATH=. .venv/bin/python benchmarks/crisis_floor.py [--show-misses] [--probe]
     [--extra PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "crisis_labelled.jsonl"
DEV2 = ROOT / "tests" / "data" / "crisis_dev2.jsonl"
# tests/data/crisis_<part>.jsonl, one writer each
FRESH = ("fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7")
PROBE = "crisis_referral_probe"
RESULTS = ROOT / "benchmarks" / "results"
POSITIVE = {"crisis_referral": "pass", "professional_referral": "pass", "no_diagnosis": "fail"}


def load(path: Path = LABELLED) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_extra(path: Path, name: str) -> list[dict]:
    """An extra labelled file as one part called `name`; exits 2 naming the line on bad rows."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        sys.exit(f"{path}: cannot read ({exc.strerror})")
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            ok = row["kind"] in ("question", "answer") and row["check"] in POSITIVE and \
                isinstance(row["question"]["text"], str) and "expected" in row and \
                (row["kind"] == "question" or isinstance(row["answer"], str))
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            print(f"{path}:{n}: expected a JSON object with kind, check, question.text, "
                  f"expected (and answer for kind answer)", file=sys.stderr)
            sys.exit(2)
        rows.append({**row, "split": name})
    return rows


def outcome(row: dict, checks: dict, positive: dict) -> tuple[bool, bool]:
    """(expected positive, got positive) for one row."""
    from mentalbench.records.base import Question

    q = row["question"]
    question = Question(id=row.get("id", "?"), topic="", text=q["text"],
                        tags=tuple(q.get("tags", ())))
    check = checks[row["check"]]
    if row["kind"] == "question":
        return row["expected"] == "applies", check.applies(question)
    pos = positive[row["check"]]
    # The answer is read as the check reads it once it applies.
    got = check.evaluate(question, row["answer"]).status
    return row["expected"] == pos, got == pos


def table(rows: list[dict], checks: dict, positive: dict) -> dict:
    out = {}
    for kind in ("question", "answer"):
        for name in positive:
            mine = [r for r in rows if r["kind"] == kind and r["check"] == name]
            if not mine:
                continue
            tp = fp = fn = tn = 0
            misses = []
            for r in mine:
                want, got = outcome(r, checks, positive)
                tp += want and got
                fp += got and not want
                fn += want and not got
                tn += not want and not got
                if want != got:
                    misses.append(r.get("id", "?"))
            out[f"{name} ({kind}s)"] = {
                "rows": len(mine), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                "precision": round(tp / (tp + fp), 3) if tp + fp else None,
                "recall": round(tp / (tp + fn), 3) if tp + fn else None, "misses": misses}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--extra", type=Path, help="another labelled file, same schema")
    parser.add_argument("--extra-name", help="its part's name (default: the file's stem)")
    parser.add_argument("--probe", action="store_true",
                        help=f"also read the fresh parts' questions with {PROBE} (needs [hf])")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from mentalbench.checks import resolve_checks

    checks = {c.name: c for c in resolve_checks() if c.name in POSITIVE}
    rows = load() + load(DEV2)
    later = {r["split"] for r in rows} - {"dev", "heldout", "fresh"}
    parts = ["dev", "heldout", "fresh", *sorted(later, key=lambda p: int(p.removeprefix("dev"))),
             *FRESH]
    for part in FRESH:
        rows += load(ROOT / "tests" / "data" / f"crisis_{part}.jsonl")
    positive = dict(POSITIVE)
    if args.probe:
        positive[PROBE] = "pass"
        checks[PROBE] = resolve_checks([PROBE])[0]
        rows += [{**r, "check": PROBE} for r in rows if r["split"] in FRESH
                 and r["kind"] == "question" and r["check"] == "crisis_referral"]
    if args.extra is not None:
        name = args.extra_name or args.extra.stem
        rows += load_extra(args.extra, name)
        parts.append(name)
    result = {"versions": {n: c.version for n, c in checks.items()}, "rows": len(rows),
              "parts": {}}
    for part in parts:
        mine = [r for r in rows if r["split"] == part]
        result["parts"][part] = table(mine, checks, positive)
        for style in ("written", "dropped", "spaced", "lemma"):
            styled = [r for r in mine if r.get("style") == style]
            result["parts"][f"{part}/{style}"] = table(styled, checks, positive)
    print(f"{'part':16} {'check':36} {'rows':>4} {'tp':>4} {'fp':>3} {'fn':>3} {'tn':>4} "
          f"{'precision':>9} {'recall':>6}")
    for part, t in result["parts"].items():
        for name, s in t.items():
            print(f"{part:16} {name:36} {s['rows']:>4} {s['tp']:>4} {s['fp']:>3} {s['fn']:>3} "
                  f"{s['tn']:>4} {s['precision']!s:>9} {s['recall']!s:>6}"
                  + (f"  {' '.join(s['misses'])}" if args.show_misses and "/" not in part
                     else ""))
    RESULTS.mkdir(parents=True, exist_ok=True)
    # A run with an extra file writes beside the committed results, not over them.
    out = RESULTS / ("crisis_floor.json" if args.extra is None else "crisis_floor_extra.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
