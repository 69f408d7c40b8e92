"""A run directory: checked before anything is written, and held by one process at a time."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import InputError, RunLocked
from ..inputs.output_paths import run_folder_of
from .clock import utc_stamp
from .database import check_store

#: What a run writes into its folder besides the store: never over a user's own copies.
RUN_FILES = ("answers.jsonl", "judgments.jsonl", "leaderboard.csv", "manifest.json", "report")
LOCK = ".lock"
OWNER = ".lock.json"  # who holds the lock: shown to a second run that finds it taken


def check_out(out: Path) -> None:
    """One-line errors for an --out that cannot hold a run, without creating anything."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file, expected a folder")
    probe = out
    while not probe.exists():
        if probe.is_symlink():
            raise InputError(f"--out {out}: {probe} is a link to a missing place "
                             f"({os.readlink(probe)})")
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"--out {out}: {probe} is a file, so no folder can be made under it")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: {probe} is not writable")
    store = out / "store.sqlite"
    if not store.exists():
        # Outputs never land on inputs: not inside another run, not over a user's own files.
        inside = run_folder_of(out.parent)
        if inside is not None:
            raise InputError(f"--out {out}: inside the run folder {inside}; choose a folder "
                             "outside it")
        mine = [name for name in RUN_FILES if (out / name).exists()] if out.is_dir() else []
        if mine:
            raise InputError(f"--out {out}: not a run folder (no store.sqlite), yet it holds "
                             f"{mine[0]}, which a run would replace; choose a new or empty "
                             "folder")
    if store.is_dir():
        raise InputError(f"{store}: is a folder, expected the run's store file")
    if store.exists() and not os.access(store, os.W_OK):
        raise InputError(f"{store}: is read-only; a run must add to it (copy the folder, or "
                         "use `mentalbench leaderboard` to read it)")
    if store.exists():
        check_store(store)


def make_out(out: Path) -> None:
    """Create the run directory (after check_out)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: {exc.strerror}") from None


class RunDirLock:
    """An OS file lock on the run directory (released by the OS if the process dies)."""

    def __init__(self, out: Path, wait: bool = False):
        from filelock import FileLock

        self.out = out
        self.wait = wait
        self._lock = FileLock(out / LOCK)

    def __enter__(self) -> RunDirLock:
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=-1 if self.wait else 0)
        except Timeout:
            raise RunLocked(f"{self.out}: another mentalbench run ({_owner(self.out)}) is using "
                            "this folder; wait for it to finish, or pass --wait") from None
        owner = {"pid": os.getpid(), "since": utc_stamp()}
        (self.out / OWNER).write_text(json.dumps(owner), encoding="utf-8")
        return self

    def __exit__(self, *exc) -> None:
        (self.out / OWNER).unlink(missing_ok=True)
        self._lock.release()


def _owner(out: Path) -> str:
    try:
        owner = json.loads((out / OWNER).read_text(encoding="utf-8"))
        return f"PID {owner['pid']}, since {owner['since']}"
    except (OSError, ValueError, KeyError):
        return "PID unknown"
