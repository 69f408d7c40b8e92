"""`data paraphrase`: each transcript page becomes one Patient/Counselor round, by a local model."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mentalbench.models import Model
from mentalbench.progress import Reporter
from mentalbench.records import Usage
from mentalbench.store import content_key, write_atomic

from . import prompts
from .calling import ask
from .filters import REFUSAL, check_round, is_refusal, word_count
from .pages import DEFAULT_PAGE_PATTERN, Page, find_transcripts, read_transcript, split_pages
from .parsing import parse_round
from .privacy import Scrubber
from .state import DROPPED, KEPT, RowWriter, State

PAGE = "page"
EMPTY, MODEL_ERROR, UNPARSED = "empty page", "model error", "no Patient/Counselor turns"
MIN_PAGE_WORDS = 5  # fewer words than this: nothing to summarise, the model is not asked


@dataclass(frozen=True)
class ParaphrasePlan:
    """What one `data paraphrase` command asks for."""

    out: Path
    transcripts: Path
    min_words: int = 40
    page_pattern: str = DEFAULT_PAGE_PATTERN
    page_tokens: int = 700
    scrub: bool = False
    names: tuple[str, ...] = ()


@dataclass
class ParaphraseSummary:
    """Pages seen, rows kept and pages dropped (by reason), tokens, and what was scrubbed."""

    files: int = 0
    pages: int = 0
    kept: int = 0
    new_rows: int = 0
    dropped: Counter = field(default_factory=Counter)
    failed: int = 0  # model errors: not decided, retried on the next run
    scrubbed: Counter = field(default_factory=Counter)
    splits: Counter = field(default_factory=Counter)  # how pages were found, per file
    usage: tuple[int, Usage] = (0, Usage())
    new_usage: Usage = Usage()
    manifest: Path | None = None


def load_pages(plan: ParaphrasePlan) -> tuple[list[Page], Counter, int]:
    """Every page of every transcript (scrubbed if asked), what was scrubbed, and file count."""
    base, files = find_transcripts(plan.transcripts)
    scrubbed: Counter = Counter()
    pages: list[Page] = []
    for path in files:
        text = read_transcript(path)
        if plan.scrub:
            scrubber = Scrubber(plan.names)  # names learned in one file stay in that file
            text = scrubber.scrub(text)
            scrubbed.update(scrubber.counts)
        name = path.relative_to(base).as_posix()
        pages.extend(split_pages(text, name, pattern=plan.page_pattern, budget=plan.page_tokens))
    return pages, scrubbed, len(files)


def page_key(identity: dict[str, Any], page: Page) -> str:
    """The row id of a page: where it is, what it says, and what turns it into a round."""
    digest = hashlib.sha256(page.text.encode()).hexdigest()
    return content_key("paraphrase-page", page.file, page.number, digest,
                       prompts.PARAPHRASE_HASH, identity)


def call_key(identity: dict[str, Any], page: Page) -> str:
    return content_key("paraphrase", page.text, prompts.PARAPHRASE_HASH, identity)


class ParaphraseRun:
    """One run over a folder of transcripts into one output file."""

    def __init__(self, plan: ParaphrasePlan, model: Model, reporter: Reporter,
                 loaded: tuple[list[Page], Counter, int] | None = None):
        self.plan, self.model, self.reporter = plan, model, reporter
        pages, scrubbed, n_files = loaded or load_pages(plan)
        self.pages = pages
        self.writer = RowWriter(plan.out)  # first: it refuses a file that is not ours
        self.state = State(plan.out)
        self.state.bind("paraphrase", {})
        self.summary = ParaphraseSummary(files=n_files, pages=len(pages), scrubbed=scrubbed)
        self.identity = model.identity()  # once: a local model's identity hashes its weights

    def close(self) -> None:
        self.state.close()

    def run(self) -> ParaphraseSummary:
        s, plan = self.summary, self.plan
        decisions: dict[str, tuple[Page, str, str]] = {}  # key -> page, status, reason
        todo: list[tuple[str, Page]] = []
        for page in self.pages:
            key = page_key(self.identity, page)
            s.splits[page.split] += 1
            if key in self.writer.ids:
                decisions[key] = (page, KEPT, "")
            elif word_count(page.text) < MIN_PAGE_WORDS:
                decisions[key] = (page, DROPPED, EMPTY)
            else:
                todo.append((key, page))
        calls = {key: call_key(self.identity, page) for key, page in todo}
        with self.reporter.stage("transcript pages", len(todo)) as advance:
            replies = ask(self.model, self.state, "paraphrase",
                          [(calls[key], prompts.paraphrase_request(page.text))
                           for key, page in todo], advance)
        rows = []
        for key, page in todo:
            reply = replies[calls[key]]
            if not reply.cached:
                s.new_usage += reply.usage
            if reply.error is not None:
                s.failed += 1
                continue
            turns = parse_round(reply.text)
            if turns is None:
                reason = REFUSAL if is_refusal(reply.text) else UNPARSED
            else:
                reason = check_round(*turns, plan.min_words)
            if reason:
                decisions[key] = (page, DROPPED, reason)
                continue
            decisions[key] = (page, KEPT, "")
            rows.append(self._row(key, page, *turns))
        self.writer.write(rows)
        s.new_rows = len(rows)
        # Decisions name the page, never its text: the state file holds no transcript.
        self.state.put_items([{"key": key, "kind": PAGE, "ref": page.ref, "status": status,
                               "reason": reason} for key, (page, status, reason)
                              in decisions.items()])
        s.kept = sum(1 for _, status, _ in decisions.values() if status == KEPT)
        s.dropped = Counter(reason for _, status, reason in decisions.values()
                            if status == DROPPED)
        s.usage = self.state.usage("paraphrase")
        s.manifest = self._write_manifest(decisions)
        return s

    def _row(self, key: str, page: Page, patient: str, counselor: str) -> dict[str, Any]:
        return {"id": key, "instruction": patient, "output": counselor, "source": "interview",
                "file": page.file, "page": page.number, "generator": self.model.model_id,
                "prompt_hash": prompts.PARAPHRASE_HASH}

    def _write_manifest(self, decisions: dict[str, tuple[Page, str, str]]) -> Path:
        """Settings, counts and one line per page (file, number, outcome): no text at all."""
        s, plan = self.summary, self.plan
        path = plan.out.with_name(plan.out.name + ".manifest.json")
        outcome = {key: (status, reason) for key, (_, status, reason) in decisions.items()}
        pages = []
        for page in self.pages:
            key = page_key(self.identity, page)
            status, reason = outcome.get(key, ("failed", MODEL_ERROR))
            pages.append({"file": page.file, "page": page.number, "split": page.split,
                          "status": status, **({"reason": reason} if reason else {})})
        manifest = {
            "pipeline": "paraphrase", "model": self.model.model_id,
            "prompt_hash": prompts.PARAPHRASE_HASH, "min_words": plan.min_words,
            "page_tokens": plan.page_tokens, "page_pattern": plan.page_pattern,
            "scrub": plan.scrub, "scrubbed": dict(s.scrubbed), "files": s.files,
            "pages": s.pages, "kept": s.kept, "dropped": dict(s.dropped), "failed": s.failed,
            "calls": s.usage[0], "prompt_tokens": s.usage[1].prompt_tokens,
            "completion_tokens": s.usage[1].completion_tokens, "page_outcomes": pages,
        }
        write_atomic(path, json.dumps(manifest, indent=2) + "\n")
        return path
