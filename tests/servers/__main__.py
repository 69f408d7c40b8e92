"""Run a fake server in its own process: python -m tests.servers openai|gemini|hostile [options].

Prints its URL on the first line of stdout, then serves until killed. Counts at GET /_stats.
"""

from __future__ import annotations

import argparse
import threading

from .base import FaultPlan
from .gemini_api import FakeGemini
from .hostile import HostileJudge
from .openai_api import FakeOpenAI


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.servers")
    parser.add_argument("protocol", choices=["openai", "gemini", "hostile"])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--faults", default="429,500,503,hang,truncated,missing",
                        help="comma-separated kinds drawn when a call is to fail")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--retry-after", default="1", help="Retry-After sent with 429")
    parser.add_argument("--behaviour", default="silent",
                        help="hostile: retype, silent, drip or extreme (see tests/servers/hostile.py)")
    parser.add_argument("--extreme", default="", help="hostile extreme: a key of EXTREMES")
    args = parser.parse_args()
    plan = FaultPlan.random(args.fault_rate, args.faults.split(","), args.seed) \
        if args.fault_rate else None
    if args.protocol == "hostile":
        server = HostileJudge(behaviour=args.behaviour, extreme=args.extreme).start()
    else:
        cls = FakeOpenAI if args.protocol == "openai" else FakeGemini
        server = cls(latency=args.latency, faults=plan, retry_after=args.retry_after).start()
    print(server.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
