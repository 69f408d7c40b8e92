"""What a training run records beside its adapter: inputs with hashes, settings, versions, losses."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import platform
import sys
from pathlib import Path
from typing import Any

PACKAGES = ("mentalbench", "mentalbench-train", "torch", "transformers", "peft", "trl",
            "bitsandbytes", "accelerate", "datasets")


def file_record(path: Path) -> dict[str, Any]:
    """A data file's path, size and full sha256."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": h.hexdigest()}


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def run_key(base_fingerprint: str, files: list[dict[str, Any]], config: Any,
            weights: Any) -> str:
    """What decides a run's result: a finished or half-done run with the same key is resumable."""
    blob = json.dumps({"base": base_fingerprint, "data": [f["sha256"] for f in files],
                       "config": dataclasses.asdict(config), "weights": weights}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def command_line() -> str:
    return " ".join(["mentalbench", *sys.argv[1:]]) if sys.argv else ""
