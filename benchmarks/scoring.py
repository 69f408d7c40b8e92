"""Scoring speed: parse_ratings on a normal judge reply and on inputs built to make parsers hang.

Times mentalbench.verdicts.parse.parse_ratings (each input's fastest of several rounds) on:

- a normal reply (explanation + one slot per metric) with a normal answer as quoted material,
  and with a 20,000-word answer (the quoted-material index is built per reply);
- a reply that echoes that 20,000-word answer before its ratings;
- the adversarial inputs of tests/verdicts/test_parse.py (100,000 spaces after a name, 10,000 names,
  10,000 "[[5]]" on one line, 10,000 '{', ...), each alone and also as the quoted answer;
- growing sizes of two of them, to show time growing in step with the input (linear);
- with --old REV, the parser of an older commit on the inputs that made it backtrack, each in
  a child process stopped after --old-limit seconds.

Prints a table; writes benchmarks/results/scoring.json. Run: .venv/bin/python benchmarks/scoring.py
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from machine_info import machine  # noqa: E402

NAMES = "Active Listening Empathy & Validation Overall "
ADVERSARIAL = {
    "100,000 spaces after a name": lambda: "Active Listening" + " " * 100_000,
    "100,000 spaces, then ': x'": lambda: "Active Listening" + " " * 100_000 + ": x",
    "10,000 names on one line": lambda: NAMES * 10_000,
    "10,000 names, one a line": lambda: (NAMES + "\n") * 10_000,
    "10,000 rated lines, all different": lambda: "".join(
        f"Active Listening: {i % 10 + 1} (note {i})\n" for i in range(10_000)),
    "10,000 '[[5]]' on one line": lambda: "Overall: " + "[[5]]" * 10_000,
    "10,000 '{'": lambda: "{" * 10_000,
    "10,000 nested JSON objects": lambda: '{"a": ' * 10_000 + "1" + "}" * 10_000,
}
GROWING = {
    "name + N spaces": lambda n: "Active Listening" + " " * n,
    "N/10 rated lines": lambda n: "".join(f"Active Listening: {i % 10 + 1} (note {i})\n"
                                          for i in range(n // 10)),
}
SIZES = (25_000, 50_000, 100_000, 200_000)
OLD_INPUTS = {f"name + {n} spaces": "Active Listening" + " " * n for n in (100, 200, 400)}


def _answer(words: int) -> str:
    """A counseling-style answer of about `words` words, with a few rating-like lines in it."""
    base = ("It sounds like the move has left you without the people who used to steady you. "
            "That loneliness is a real loss, not a weakness. One small step this week could be "
            "a class or a group that meets every week, so the same faces come back. ")
    text = (base * (words // len(base.split()) + 1)).split()
    return " ".join(text[:words]) + "\nOverall: [[10]]\nActive Listening: 10/10\n"


def _reply(rubric, explanation_words: int = 120) -> str:
    why = " ".join(["The response reflects the person's situation and offers a next step."]
                   * (explanation_words // 11))
    ratings = "\n".join(f"{m.name}: [[{3 + i % 6}]]" for i, m in enumerate(rubric.rated))
    return f"{why}\n\n{ratings}"


def run_current(repeats: int) -> list[dict]:
    from mentalbench.inputs.resources import rubric_dir
    from mentalbench.inputs.rubric import load_rubric
    from mentalbench.verdicts.parse import parse_ratings

    rubric = load_rubric(rubric_dir("mentalgpt"))
    question = rubric.shown("I moved to a new city and I feel alone. How do I meet people?")
    normal, long = rubric.shown(_answer(300)), rubric.shown(_answer(20_000))
    reply = _reply(rubric)
    cases = [
        ("normal reply, 300-word answer", reply, (question, normal)),
        ("normal reply, 20,000-word answer", reply, (question, long)),
        ("reply echoing the 20,000-word answer", f"It says:\n{long}\n\n{reply}",
         (question, long)),
    ]
    for name, make in ADVERSARIAL.items():
        text = make()
        cases += [(name, text, ()), (f"{name} (also the answer)", text, (text,))]
    for name, make in GROWING.items():
        cases += [(f"{name}, N = {n:,}", make(n), ()) for n in SIZES]
    # Round after round over every input, keeping each input's fastest: on a shared machine a
    # burst of load then slows one run of many inputs, not every run of one.
    best = [float("inf")] * len(cases)
    for _ in range(repeats):
        for i, (_, text, quoted) in enumerate(cases):
            start = time.perf_counter()
            parse_ratings(text, rubric, quoted)
            best[i] = min(best[i], time.perf_counter() - start)
    rows = []
    for (name, text, quoted), seconds in zip(cases, best, strict=True):
        scored = sum(v is not None for v in parse_ratings(text, rubric, quoted).values())
        rows.append({"input": name, "chars": len(text), "quoted_chars": sum(map(len, quoted)),
                     "ms": round(seconds * 1000, 2), "scored": scored})
    return rows


def _old_worker(source: str, text: str, queue) -> None:
    import importlib.util

    from mentalbench.inputs.resources import rubric_dir
    from mentalbench.inputs.rubric import load_rubric

    spec = importlib.util.spec_from_loader("mentalbench._old_scoring", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "mentalbench"
    exec(compile(source, "old scoring.py", "exec"), module.__dict__)  # noqa: S102 - own history
    rubric = load_rubric(rubric_dir("mentalgpt"))
    start = time.perf_counter()
    module.parse_ratings(text, rubric)
    queue.put(time.perf_counter() - start)


def run_old(rev: str, limit: float) -> list[dict]:
    source = subprocess.run(["git", "show", f"{rev}:mentalbench/verdicts/parse.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    ctx = multiprocessing.get_context("fork")
    rows = []
    for name, text in OLD_INPUTS.items():
        queue = ctx.Queue()
        worker = ctx.Process(target=_old_worker, args=(source, text, queue))
        worker.start()
        worker.join(limit)
        if worker.is_alive():
            worker.kill()
            worker.join()
            rows.append({"input": f"{name} (old {rev})", "chars": len(text), "ms": None})
        else:
            rows.append({"input": f"{name} (old {rev})", "chars": len(text),
                         "ms": round(queue.get() * 1000, 2)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per input (fastest kept)")
    parser.add_argument("--old", metavar="REV", help="also time this commit's parser")
    parser.add_argument("--old-limit", type=float, default=60.0,
                        help="seconds before an old parser's run is stopped")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows = run_current(args.repeats)
    if args.old:
        rows += run_old(args.old, args.old_limit)
    result = {"machine": machine(), "load_average_at_start": round(load, 2),
              "load_average_at_end": round(os.getloadavg()[0], 2),
              "python": platform.python_version(), "repeats": args.repeats, "rows": rows}
    if args.old:
        result["old"] = {"rev": args.old, "limit_s": args.old_limit}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scoring.json").write_text(json.dumps(result, indent=2) + "\n")
    print(_table(result))


def _table(r: dict) -> str:
    lines = [f"{r['machine']}, Python {r['python']}, load average {r['load_average_at_start']} "
             f"-> {r['load_average_at_end']}; fastest of {r['repeats']}",
             f"{'input':<52}{'chars':>10}{'quoted':>10}{'ms':>10}{'scored':>8}"]
    for row in r["rows"]:
        ms = f"{row['ms']:.2f}" if row["ms"] is not None else f"> {r['old']['limit_s']:.0f} s"
        lines.append(f"{row['input']:<52}{row['chars']:>10,}{row.get('quoted_chars', 0):>10,}"
                     f"{ms:>10}{row.get('scored', ''):>8}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
