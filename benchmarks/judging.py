"""Judging over HTTP: N judgments against a local API server with a fixed latency L.

Runs mentalbench's judging stage (the `gpt4` judge, pointed at tests/servers' fake
OpenAI server in a process of its own) and reports:

- wall time at max_concurrency C against the ideal N x L / C; start-up (the SDK's
  import, the client and a first connection) is timed apart, before;
- the same N judgments one at a time (C = 1);
- a rerun on the same run store: it must make zero calls;
- a run with a share of calls failing (429 with Retry-After, 500, 503, hangs, truncated
  JSON, verdicts missing metrics): every answer must end scored and no request that once
  got a good reply may be sent again;
- the `gemini` judge at the same N, L and C, for comparison.

Prints a table; writes benchmarks/results/judging.json. Run: .venv/bin/python benchmarks/judging.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

from machine_info import machine  # noqa: E402  # for tests.servers


def start_server(protocol: str, latency: float, fault_rate: float = 0.0,
                 retry_after: str = "1") -> tuple[subprocess.Popen, str]:
    """A fake API server in its own process (so it does not share the client's GIL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.servers", protocol, "--latency", str(latency),
         "--fault-rate", str(fault_rate), "--retry-after", retry_after],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def server_stats(url: str) -> dict:
    with urllib.request.urlopen(url + "/_stats") as r:
        return json.load(r)


def tasks(n: int):
    """N answers to judge: the bundled questions with answers of a realistic length."""
    from mentalbench.inputs.questions import load_questions
    from mentalbench.inputs.resources import question_file
    from mentalbench.judging.judge import JudgeTask
    from mentalbench.records.base import Answer, Usage

    questions = load_questions(question_file("mentalbench-200.jsonl")).questions
    out = []
    for i in range(n):
        q = questions[i % len(questions)]
        text = (f"Thank you for sharing this (answer {i}). " + "It makes sense to feel this "
                "way, and there are small steps that can help, one day at a time. " * 12)
        out.append(JudgeTask(Answer(f"bench-{i}", q.id, "bench-model", text, Usage(), {}), q))
    return out


def judge_for(name: str, url: str, **options):
    from mentalbench.run.resolve import resolve_judges

    base = url + "/v1" if name == "gpt4" else url
    [judge] = resolve_judges([name], {"base_url": base, **{k: str(v) for k, v in
                                                           options.items()}}, None)
    return judge


def timed_judging(judge, work, store_dir: Path) -> tuple[float, dict]:
    from mentalbench.judging.judge import JudgeContext
    from mentalbench.judging.stage import run_judging
    from mentalbench.models.progress import Reporter
    from mentalbench.store.database import Store

    store = Store(store_dir / "store.sqlite")
    try:
        t0 = time.perf_counter()
        done = run_judging(judge, work, store, Reporter(), JudgeContext()).judgments
        return time.perf_counter() - t0, done
    finally:
        store.close()


def warm_up(judge) -> float:
    """Start-up, timed apart: the SDK's import, the client, one request on a new connection."""
    from mentalbench.records.base import ChatRequest

    t0 = time.perf_counter()
    [c] = judge.model.generate([ChatRequest(({"role": "user", "content": "warm-up"},))])
    assert c.ok, c.error
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="judgments")
    parser.add_argument("--latency", type=float, default=0.2, help="server latency, seconds")
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--skip-serial", action="store_true", help="skip the C=1 run")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs at C (fastest kept: on a shared machine the slow ones "
                             "measure the neighbours)")
    args = parser.parse_args()
    n, lat, c = args.n, args.latency, args.concurrency
    ideal = n * lat / c
    work = tasks(n)
    rows, checks = [], {}
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        proc, url = start_server("openai", lat)
        try:
            judge = judge_for("gpt4", url, max_concurrency=c)
            startup = warm_up(judge) - lat
            walls = []
            for i in range(args.repeat):  # fresh store each time; the fastest run is kept
                (tmp / f"a{i}").mkdir()
                before = server_stats(url)["calls"]
                wall, done = timed_judging(judge, work, tmp / f"a{i}")
                walls.append(wall)
                calls = server_stats(url)["calls"] - before
            wall = min(walls)
            rows.append({"run": f"openai C={c}", "seconds": wall, "calls": calls,
                         "ratio_to_ideal": wall / ideal, "all_seconds": walls})
            checks["all_scored"] = len(done) == n and all(j.complete for j in done.values())
            before = server_stats(url)["calls"]
            rerun, _ = timed_judging(judge_for("gpt4", url, max_concurrency=c), work, tmp / "a0")
            checks["rerun_calls"] = server_stats(url)["calls"] - before
            rows.append({"run": "rerun (same store)", "seconds": rerun,
                         "calls": checks["rerun_calls"], "ratio_to_ideal": rerun / ideal})
            if not args.skip_serial:
                (tmp / "s").mkdir()
                before = server_stats(url)["calls"]
                serial, _ = timed_judging(judge_for("gpt4", url, max_concurrency=1), work,
                                          tmp / "s")
                rows.append({"run": "openai C=1", "seconds": serial,
                             "calls": server_stats(url)["calls"] - before,
                             "ratio_to_ideal": serial / ideal})
        finally:
            proc.kill()

        proc, url = start_server("gemini", lat)
        try:
            gemini = judge_for("gemini", url, max_concurrency=c)
            startup_g = warm_up(gemini) - lat
            walls_g = []
            for i in range(args.repeat):
                (tmp / f"g{i}").mkdir()
                before = server_stats(url)["calls"]
                wall_g, done_g = timed_judging(gemini, work, tmp / f"g{i}")
                walls_g.append(wall_g)
                calls = server_stats(url)["calls"] - before
            rows.append({"run": f"gemini C={c}", "seconds": min(walls_g), "calls": calls,
                         "ratio_to_ideal": min(walls_g) / ideal, "all_seconds": walls_g})
            checks["gemini_all_scored"] = len(done_g) == n and all(
                j.complete for j in done_g.values())
        finally:
            proc.kill()

        proc, url = start_server("openai", lat, args.fault_rate, retry_after="1")
        try:
            (tmp / "f").mkdir()
            # timeout 2 s: a hung request is abandoned and retried after 2 s.
            faulty, done_f = timed_judging(judge_for("gpt4", url, max_concurrency=c, timeout=2),
                                           work, tmp / "f")
            stats_f = server_stats(url)
            rerun_f, _ = timed_judging(judge_for("gpt4", url, max_concurrency=c, timeout=2),
                                       work, tmp / "f")
            after = server_stats(url)
        finally:
            proc.kill()
        rows.append({"run": f"openai C={c}, {args.fault_rate:.0%} faults", "seconds": faulty,
                     "calls": stats_f["calls"], "ratio_to_ideal": faulty / ideal})
        checks["faults_all_scored"] = len(done_f) == n and all(
            j.complete for j in done_f.values())
        checks["faults_repeated_good_replies"] = stats_f["repeated_good_replies"]
        checks["faults_outcomes"] = stats_f["outcomes"]
        checks["faults_rerun_calls"] = after["calls"] - stats_f["calls"]

    result = {
        "machine": machine(), "load_average_at_start": round(load, 2),
        "n": n, "latency_s": lat, "concurrency": c, "ideal_s": ideal,
        "startup_s": round(startup, 3), "startup_gemini_s": round(startup_g, 3), "rows": rows, "checks": checks,
        "versions": _versions(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "judging.json").write_text(json.dumps(result, indent=2) + "\n")
    print(_table(result))


def _table(r: dict) -> str:
    lines = [f"{r['n']} judgments, latency {r['latency_s'] * 1000:.0f} ms, ideal "
             f"{r['n']} x L / {r['concurrency']} = {r['ideal_s']:.2f} s; start-up (timed "
             f"apart) openai {r['startup_s']:.2f} s, gemini {r['startup_gemini_s']:.2f} s",
             f"{r['machine']}, load average {r['load_average_at_start']} at start",
             f"{'run':<28}{'seconds':>9}{'calls':>7}{'x ideal':>9}"]
    for row in r["rows"]:
        lines.append(f"{row['run']:<28}{row['seconds']:>9.2f}{row['calls']:>7}"
                     f"{row['ratio_to_ideal']:>9.2f}")
    lines.append("checks: " + json.dumps(r["checks"]))
    return "\n".join(lines)


def _versions() -> dict:
    import importlib.metadata as md

    return {d: md.version(d) for d in ("openai", "google-genai", "httpx2")
            if _installed(d)} | {"python": platform.python_version()}


def _installed(dist: str) -> bool:
    import importlib.metadata as md

    try:
        md.version(dist)
        return True
    except md.PackageNotFoundError:
        return False


if __name__ == "__main__":
    main()
