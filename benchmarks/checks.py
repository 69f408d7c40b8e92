"""The bundled checks against the hand-labelled answers: precision and recall per check.

For each check and each part of tests/data/checks_labelled.jsonl (`dev`, used while writing the
rules; `heldout`, written with it before any rule was coded; `fresh` and `fresh2`, written after
the first and second freezes of the rules and each measured once before the fixes it prompted)
and all together:

- precision and recall of the positive class: "pass" for crisis_referral and
  professional_referral (the answer does refer), "fail" for no_diagnosis (the answer diagnoses:
  the harm the check exists to catch, and the rarer class);
- whether "na" was given exactly where expected (a row that should have been checked but got
  "na" also counts as not positive: a missed referral or a missed diagnosis);
- the rows it gets wrong, by id.

Also how often each check applies to the bundled 200 questions, and time per answer at lengths
from 1 to 100 thousand characters, for ordinary and worst-case texts (constant time per character
means linear time).

Prints tables; writes benchmarks/results/checks.json.
Run: PYTHONPATH=. .venv/bin/python benchmarks/checks.py [--split dev|heldout|all]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from machine_info import machine

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "checks_labelled.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
SPLITS = ("dev", "heldout", "fresh", "fresh2", "fresh3")
POSITIVE = {"crisis_referral": "pass", "professional_referral": "pass", "no_diagnosis": "fail"}


def load_rows(path: Path = LABELLED) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def question_of(row: dict):
    from mentalbench.records.base import Question

    q = row["question"]
    return Question(id=row["id"], topic=q.get("topic", ""), text=q["text"],
                    tags=tuple(q.get("tags", ())))


def score(rows: list[dict], checks: dict) -> dict:
    """Confusion counts, precision and recall per check over `rows`."""
    out = {}
    for name, check in checks.items():
        mine = [r for r in rows if r["check"] == name]
        pos = POSITIVE[name]
        tp = fp = fn = tn = na_right = na_rows = 0
        wrong = []
        for r in mine:
            got = check.run(question_of(r), r["answer"]).status
            want = r["expected"]
            if got != want:
                wrong.append({"id": r["id"], "expected": want, "got": got})
            # "na" is scored on its own; a row that should be checked but got "na" (the check
            # missed that it applies) still counts against the positive class below.
            if want == "na" or got == "na":
                na_rows += 1
                na_right += got == want
            if want == "na":
                continue
            tp += want == pos and got == pos
            fp += want != pos and got == pos
            fn += want == pos and got != pos
            tn += want != pos and got != pos
        out[name] = {
            "positive": pos, "rows": len(mine), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "na_right": na_right, "na_rows": na_rows, "wrong": wrong,
        }
    return out


def applicability(checks: dict) -> dict:
    """How many of the bundled 200 questions each check applies to, crisis-tagged or not."""
    from mentalbench.inputs.questions import load_questions
    from mentalbench.inputs.resources import question_file

    questions = load_questions(question_file("mentalbench-200.jsonl")).questions
    out = {}
    for name, check in checks.items():
        applied = [q for q in questions if check.applies(q)]
        out[name] = {"questions": len(questions), "applies": len(applied),
                     "applies_crisis_tagged": sum("crisis" in q.tags for q in applied),
                     "crisis_tagged": sum("crisis" in q.tags for q in questions)}
        if hasattr(check, "risk_read"):  # the text's reading alone, as for an untagged set
            flagged = [q for q in questions if check.risk_read(q) is not None]
            out[name]["reading_flags_crisis_tagged"] = sum("crisis" in q.tags for q in flagged)
            out[name]["reading_flags_untagged"] = sum("crisis" not in q.tags for q in flagged)
    return out


def timing(checks: dict, rows: list[dict]) -> list[dict]:
    """Seconds per answer for all checks at 1k-100k characters: answers built from the labelled
    ones, and texts made to be worst cases (one endless sentence full of cues; one cue repeated)."""
    question = question_of({"id": "t", "question": {
        "text": "I want to end my life and I have panic attacks.", "tags": ["crisis"]}})
    # One sentence with many of every cue and no passing mention: the most work per character.
    one_sentence = ('You don\'t need to call "911" or 988, maybe, but, not now; you have '
                    'maybe OCD and not a therapist, ')
    texts = [("labelled answers", " ".join(r["answer"] for r in rows), (1_000, 10_000, 100_000)),
             ("one long sentence", one_sentence, (1_000, 10_000, 100_000)),
             ("'OCD ' repeated", "OCD ", (10_000, 100_000)),
             ("'988 ' repeated", "988 ", (10_000, 100_000)),
             ("'. ' repeated", ". ", (10_000, 100_000)),
             ("'\"' repeated", '"', (10_000, 100_000))]
    out = []
    for kind, base, sizes in texts:
        for size in sizes:
            text = (base * (size // len(base) + 1))[:size]
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                for check in checks.values():
                    check.run(question, text)
                best = min(best, time.perf_counter() - t0)
            out.append({"text": kind, "chars": size, "seconds": round(best, 5),
                        "us_per_char": round(best / size * 1e6, 3)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from mentalbench.checks import resolve_checks

    checks = {c.name: c for c in resolve_checks() if c.name in POSITIVE}
    rows = load_rows()
    splits = list(SPLITS) if args.split == "all" else [args.split]
    result = {"machine": machine(),
              "python": platform.python_version(),
              "versions": {n: c.version for n, c in checks.items()},
              "labelled_rows": len(rows), "scores": {}}
    parts = [*splits, "all"] if args.split == "all" else splits
    for split in parts:
        chosen = rows if split == "all" else [r for r in rows if r["split"] == split]
        result["scores"][split] = score(chosen, checks)
    print(f"{'check':24} {'split':8} {'positive':8} {'rows':>4} {'tp':>3} {'fp':>3} {'fn':>3} "
          f"{'tn':>3} {'precision':>9} {'recall':>6} {'na ok':>6}  wrong")
    for split, table in result["scores"].items():
        for name, s in table.items():
            print(f"{name:24} {split:8} {s['positive']:8} {s['rows']:>4} {s['tp']:>3} "
                  f"{s['fp']:>3} {s['fn']:>3} {s['tn']:>3} {s['precision']!s:>9} "
                  f"{s['recall']!s:>6} {s['na_right']:>2}/{s['na_rows']:<3}  "
                  f"{' '.join(w['id'] for w in s['wrong']) or '-'}")
    result["applicability"] = applicability(checks)
    print("\nApplies to the bundled 200 questions:")
    for name, a in result["applicability"].items():
        print(f"  {name}: {a['applies']} of {a['questions']} "
              f"({a['applies_crisis_tagged']} of the {a['crisis_tagged']} tagged crisis)")
        if "reading_flags_crisis_tagged" in a:
            print(f"    its reading of the text alone: {a['reading_flags_crisis_tagged']} of the "
                  f"{a['crisis_tagged']} tagged crisis, {a['reading_flags_untagged']} others")
    if not args.no_timing:
        result["timing"] = timing(checks, rows)
        print("\nAll three checks on one answer:")
        for t in result["timing"]:
            print(f"  {t['text']:18} {t['chars']:>7} chars  {t['seconds']:.4f} s  "
                  f"{t['us_per_char']} us/char")
    if args.split == "all":
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "checks.json").write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {RESULTS / 'checks.json'}")


if __name__ == "__main__":
    main()
