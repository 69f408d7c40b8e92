"""Transcript files and their pages: split at form feeds, at page-marker lines, or by size."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from mentalbench.api import InputError

#: Lines like "Page 3", "- 3 -", "[Page 3 of 12]", "--- page 3 ---" start a new page.
DEFAULT_PAGE_PATTERN = (r"^[ \t]*[\[(]?[ \t]*(?:-+[ \t]*)?(?:page|pg\.?)[ \t]*\d+"
                        r"(?:[ \t]*(?:of|/)[ \t]*\d+)?[ \t]*(?:-+)?[ \t]*[\])]?[ \t]*$"
                        r"|^[ \t]*-[ \t]*\d+[ \t]*-[ \t]*$")
TEXT_SUFFIXES = (".txt", ".text", ".md")


@dataclass(frozen=True)
class Page:
    """One page of one transcript: where it is, and its text (which never reaches a log)."""

    file: str  # relative to the --transcripts folder (or the file's name)
    number: int  # 1-based, in file order
    text: str
    split: str  # "form-feed", "marker" or "budget"

    @property
    def ref(self) -> str:
        return f"{self.file}#page={self.number}"


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: English runs about four tokens to three words."""
    return math.ceil(len(text.split()) * 4 / 3)


def find_transcripts(path: str | Path) -> tuple[Path, list[Path]]:
    """The base folder and the transcript files under `path` (a file or a folder), sorted."""
    path = Path(path)
    if path.is_file():
        return path.parent, [path]
    if not path.is_dir():
        raise InputError(f"--transcripts {str(path)!r}: no such file or folder")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    if not files:
        raise InputError(f"--transcripts {str(path)!r}: no {', '.join(TEXT_SUFFIXES)} files")
    return path, files


def read_transcript(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _by_budget(text: str, budget: int) -> list[str]:
    """Paragraphs packed into pages of at most `budget` estimated tokens (long ones cut)."""
    pieces: list[str] = []
    for para in re.split(r"\n[ \t]*\n", text):
        words = para.split()
        limit = max(1, budget * 3 // 4)
        if len(words) > limit:  # one paragraph longer than a page: cut it at word bounds
            pieces.extend(" ".join(words[i:i + limit]) for i in range(0, len(words), limit))
        elif words:
            pieces.append(para.strip())
    pages: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and estimate_tokens("\n\n".join([*current, piece])) > budget:
            pages.append("\n\n".join(current))
            current = []
        current.append(piece)
    if current:
        pages.append("\n\n".join(current))
    return pages


def split_pages(text: str, file: str, *, pattern: str = DEFAULT_PAGE_PATTERN,
                budget: int = 700) -> list[Page]:
    """The pages of one transcript, numbered from 1 (blank pages keep their number)."""
    if budget < 1:
        raise InputError(f"--page-tokens {budget}: expected >= 1")
    if "\f" in text:
        chunks, how = text.split("\f"), "form-feed"
    else:
        try:
            marker = re.compile(pattern, re.IGNORECASE | re.MULTILINE)
        except re.error as exc:
            raise InputError(f"--page-pattern {pattern!r}: not a valid regular expression "
                             f"({exc})") from None
        if marker.search(text):
            chunks, how = marker.split(text), "marker"
            if marker.groups:  # split() returns captured groups too; keep only the pages
                chunks = chunks[::marker.groups + 1]
            if chunks and not chunks[0].strip():
                chunks = chunks[1:]  # nothing before the first marker
        else:
            chunks, how = _by_budget(text, budget), "budget"
    if chunks and not chunks[-1].strip() and len(chunks) > 1:
        chunks = chunks[:-1]  # a trailing form feed or marker opens no page
    return [Page(file, i, chunk.strip(), how) for i, chunk in enumerate(chunks, 1)]
