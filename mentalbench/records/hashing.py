"""Content hashes: the identities of answers, judgments, files and folders."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def content_key(*parts: Any) -> str:
    """A stable hash of JSON-serialisable parts: the identity of an answer or a judgment."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def text_sha256(text: str) -> str:
    """The full SHA-256 of a text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def prompt_hash(messages) -> str:
    """A judge prompt's hash: every message's content (system and user), 16 hex digits."""
    return text_sha256("\n".join(m["content"] for m in messages))[:16]


def file_sha256(path: Path, length: int = 16) -> str:
    """A file's SHA-256, shortened to `length` hex digits."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:length]


def folder_sha256(path: Path, length: int = 16) -> str:
    """A folder's SHA-256 over every file's relative name and bytes, in sorted order."""
    h = hashlib.sha256()
    for p in sorted(Path(path).rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(path)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:length]
