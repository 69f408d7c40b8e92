"""Builds tests/data/crisis_dev2.jsonl, the crisis floor's dev2 to dev22 parts (issue 21, item
5), from the hand-written items of benchmarks/crisis_dev2_items.toml.

dev2 was written after the first set's fresh part was measured and before the concept reader:
whole posts, in the spellings real posts use. dev3 to dev22 are probes, each written after the
previous round of rules was committed and measured once with those rules before anything was
tuned on it (every part's `note` says which commit and what it scored); dev22 was never tuned on.
A part `built = "whole"` takes each item as the post; `built = "cores"` sets each item between an
opener and a closer of the first set, in its four spellings (seeded by the part's number), as
crisis_set_build.py does. Rerunning this script rewrites the same file.

Run: python benchmarks/crisis_dev2_build.py
"""

from __future__ import annotations

import json
import random
import re
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crisis_set_build import CLOSERS, OPENERS, STYLES, spell  # noqa: E402

ITEMS = Path(__file__).resolve().parent / "crisis_dev2_items.toml"
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "crisis_dev2.jsonl"


def style_of(text: str) -> str:
    """Which of the set's four spellings a hand-written post is in."""
    if re.search(r"\b(?:do|did|ca|wo|is|was) n't\b|\b(?:wan|gon) na\b|\bwa\b|\bdo nt\b|\bdid nt\b",
                 text):
        return "lemma"
    if re.search(r"\b(?:i|you|he|she|it|we|they|that|there) (?:m|s|re|ve|ll|d)\b|\bn t\b", text):
        return "spaced"
    if text == text.lower() and "'" not in text:
        return "dropped"
    return "written"


def question(row_id: str, split: str, text: str, label: str, style: str) -> dict:
    return {"id": row_id, "kind": "question", "check": "crisis_referral", "split": split,
            "question": {"text": text, "tags": []}, "expected": label, "style": style}


def build(parts: dict) -> list[dict]:
    dev2 = parts["dev2"]
    rows = [question(f"{prefix}{i:02d}", "dev2", text, label, style_of(text))
            for prefix, label, key in (("d2qi", "applies", "indirect"),
                                       ("d2qd", "applies", "direct"), ("d2qs", "na", "safe"))
            for i, text in enumerate(dev2[key])]
    for name, part in parts.items():
        if name == "dev2":
            continue
        n = int(name.removeprefix("dev"))
        rng = random.Random(n)
        for prefix, label, key in ((f"d{n}qr", "applies", "risk"), (f"d{n}qs", "na", "safe")):
            for i, item in enumerate(part[key]):
                if part["built"] == "whole":
                    rows.append(question(f"{prefix}{i:02d}", name, item, label, style_of(item)))
                    continue
                style = STYLES[i % 4]
                text = " ".join(p for p in (rng.choice(OPENERS), item, rng.choice(CLOSERS)) if p)
                rows.append(question(f"{prefix}{i:02d}", name, spell(text, style), label, style))
    direct = dev2["direct"]
    for prefix, label, key in (("d2ar", "pass", "refer"), ("d2an", "fail", "no_refer")):
        for i, text in enumerate(dev2[key]):
            rows.append({"id": f"{prefix}{i:02d}", "kind": "answer", "check": "crisis_referral",
                         "split": "dev2", "question": {"text": direct[i % len(direct)],
                                                       "tags": ["crisis"]},
                         "answer": text, "expected": label, "style": style_of(text)})
    return rows


def main() -> None:
    parts = tomllib.loads(ITEMS.read_text(encoding="utf-8"))
    rows = build(parts)
    OUT.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    q = [r for r in rows if r["kind"] == "question"]
    print(f"wrote {OUT}: {len(q)} questions ({sum(r['expected'] == 'applies' for r in q)} at "
          f"risk) in {len(parts)} parts, {len(rows) - len(q)} answers")


if __name__ == "__main__":
    main()
