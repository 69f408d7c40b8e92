"""Where a command may write: never over its inputs, a store, or into a run folder it did not make."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from .textfiles import check_unicode

STORE = "store.sqlite"
_SQLITE_MAGIC = b"SQLite format 3\0"


def run_folder_of(path: Path | str) -> Path | None:
    """The run folder `path` is, or is inside (the nearest folder above holding a store)."""
    probe = Path(os.path.abspath(path))
    for folder in (probe, *probe.parents):
        if (folder / STORE).is_file():
            return folder
    return None


def refuse_run_folder(path: Path | str, option: str, allowed: Path | None = None) -> None:
    """A one-line error when `path` is a run folder or lies inside one (except `allowed`)."""
    run = run_folder_of(path)
    if run is None:
        return
    if allowed is not None and Path(os.path.abspath(path)) == Path(os.path.abspath(allowed)):
        return
    raise InputError(f"{option} {path}: inside the run folder {run}; this command does not "
                     "write into run folders (choose a path outside it)")


def refuse_store(path: Path | str, option: str) -> None:
    """A one-line error when `path` is an SQLite database (a store, anyone's)."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError:
        return
    if head == _SQLITE_MAGIC:
        raise InputError(f"{option} {path}: is an SQLite database; this command never writes "
                         "over one (choose another file)")


def plain_name(name: str | None, option: str = "--name") -> str | None:
    """`name` unchanged, or a one-line error unless it is a plain name: not empty, no path
    separators or control characters, not '.' or '..'."""
    if name is None:
        return None
    bad = (not name.strip() or name.strip() in (".", "..") or "/" in name or "\\" in name
           or os.sep in name or any(ord(c) < 32 or ord(c) == 127 for c in name))
    if bad:
        raise InputError(f"{option} {name!r}: expected a plain name (no '/' or '\\', not '.' "
                         "or '..', no control characters)")
    return check_unicode(name, option, "name")
