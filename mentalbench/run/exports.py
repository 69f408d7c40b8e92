"""A run directory's plain files, written from everything its store holds, each atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..records.base import Answer
from ..records.hashing import file_sha256, text_sha256
from ..results.leaderboard import leaderboard, to_csv
from ..results.pairwise_tables import with_pairwise
from ..results.tables import load_results
from ..store import pairwise as pairwise_store
from ..store.database import Store
from ..store.files import write_atomic, write_jsonl
from ..store.schema import SCHEMA_VERSION

EXPORTS = ("answers.jsonl", "judgments.jsonl", "checks.jsonl", "leaderboard.csv", "manifest.json")


def judgment_rows(store: Store, answers: list[Answer]) -> list[dict[str, Any]]:
    """Every judgment row: made ones with their answer's hash, the rest with why they are not."""
    texts = {a.key: a.text for a in answers}
    rows = []
    for j in sorted(store.all_judgments(), key=lambda j: not j.made):
        row = j.to_dict()
        if j.made and j.answer_key in texts:
            row["answer_sha256"] = text_sha256(texts[j.answer_key])
        rows.append(row)
    return rows


def write_exports(out: Path, store: Store) -> dict[str, Any]:
    """Write answers, judgments, checks, leaderboard and manifest; return the manifest."""
    answers, checks = store.all_answers(), store.all_checks()
    write_jsonl(out / "answers.jsonl", (a.to_dict() for a in answers))
    rows = judgment_rows(store, answers)
    write_jsonl(out / "judgments.jsonl", rows)
    write_jsonl(out / "checks.jsonl", ({**c.result.to_dict(), "key": c.key,
                                        "answer_key": c.answer_key, "question_id": c.question_id,
                                        "sample": c.sample, "model": c.model,
                                        "answer_set": c.answer_set, "check": c.check,
                                        "check_version": c.check_version,
                                        "question_set": c.question_set}
                                       for c in checks))
    results = load_results([out])
    board = with_pairwise(leaderboard(results), results, [out])
    votes = pairwise_store.all_votes(store.db)
    if votes:  # only in folders with pairwise votes (LLM or human)
        write_jsonl(out / "pairwise.jsonl", (v.to_dict() for v in votes))
    write_atomic(out / "leaderboard.csv", to_csv(board))
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    manifest = {
        "mentalbench_manifest": 2,
        "store_schema": SCHEMA_VERSION,
        "invocations": store.invocations(),
        "question_sets": store.question_sets(),
        "rubrics": [{"sha": r["sha"], "name": r["name"]} for r in store.rubrics()],
        "counts": {"answers": len(answers), "judgments": statuses,
                   "checks": len(checks), "leaderboard_rows": len(board),
                   **({"pairwise_votes": len(votes)} if votes else {})},
        "files": {name: file_sha256(out / name)
                  for name in (*EXPORTS[:-1], *(["pairwise.jsonl"] if votes else []))},
    }
    write_atomic(out / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest
