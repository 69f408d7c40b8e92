"""`data paraphrase`: each transcript page becomes one Patient/Counselor round, by a local model.

Both turns come from one request (the reply labels them), or one turn a request: the
caregiver's turn from the page, then the counselor's from the page and that turn.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mentalbench.api import Model, Reporter, Usage, content_key, write_atomic

from . import prompts
from .calling import Reply, ask
from .filters import REFUSAL, check_round, check_turn, is_refusal, word_count
from .pages import DEFAULT_PAGE_PATTERN, Page, find_transcripts, read_transcript, split_pages
from .parsing import parse_round, parse_turn
from .privacy import Scrubber
from .state import DROPPED, KEPT, RowWriter, State

PAGE = "page"
STAGES = ("paraphrase", "paraphrase-patient", "paraphrase-counselor")
EMPTY, MODEL_ERROR, UNPARSED = "empty page", "model error", "no Patient/Counselor turns"
TRUNCATED, WRONG_VOICE = "truncated", "off-format"
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
    turns_per_request: int = 2  # 2: both turns in one reply; 1: a request for each turn

    @property
    def prompt_hash(self) -> str:
        if self.turns_per_request == 2:
            return prompts.PARAPHRASE_HASH
        return prompts.PARAPHRASE_TURNS_HASH


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


def page_key(identity: dict[str, Any], page: Page, prompt_hash: str) -> str:
    """The row id of a page: where it is, what it says, and what turns it into a round."""
    digest = hashlib.sha256(page.text.encode()).hexdigest()
    return content_key("paraphrase-page", page.file, page.number, digest, prompt_hash, identity)


def call_key(identity: dict[str, Any], page: Page) -> str:
    return content_key("paraphrase", page.text, prompts.PARAPHRASE_HASH, identity)


def turn_key(identity: dict[str, Any], page: Page, patient: str | None = None) -> str:
    """The call key of a one-turn request: the caregiver's turn, or (given it) the counselor's."""
    return content_key("paraphrase-turn", page.text, patient, prompts.PARAPHRASE_TURNS_HASH,
                       identity)


class ParaphraseRun:
    """One run over a folder of transcripts into one output file."""

    def __init__(self, plan: ParaphrasePlan, model: Model, reporter: Reporter,
                 loaded: tuple[list[Page], Counter, int] | None = None):
        self.plan, self.model, self.reporter = plan, model, reporter
        pages, scrubbed, n_files = loaded or load_pages(plan)
        self.pages = pages
        self.writer = RowWriter(plan.out)  # first: it refuses a file that is not ours
        self.state = State(plan.out)
        self.state.bind("paraphrase", {"turns_per_request": plan.turns_per_request})
        self.summary = ParaphraseSummary(files=n_files, pages=len(pages), scrubbed=scrubbed)
        self.identity = model.identity()  # once: a local model's identity hashes its weights

    def close(self) -> None:
        self.state.close()

    def run(self) -> ParaphraseSummary:
        s, plan = self.summary, self.plan
        decisions: dict[str, tuple[Page, str, str]] = {}  # key -> page, status, reason
        todo: list[tuple[str, Page]] = []
        for page in self.pages:
            key = page_key(self.identity, page, plan.prompt_hash)
            s.splits[page.split] += 1
            if key in self.writer.ids:
                decisions[key] = (page, KEPT, "")
            elif word_count(page.text) < MIN_PAGE_WORDS:
                decisions[key] = (page, DROPPED, EMPTY)
            else:
                todo.append((key, page))
        decide = self._both_turns if plan.turns_per_request == 2 else self._one_turn_each
        rows = []
        for key, page, outcome in decide(todo):
            if outcome is None:
                s.failed += 1
            elif isinstance(outcome, str):
                decisions[key] = (page, DROPPED, outcome)
            else:
                decisions[key] = (page, KEPT, "")
                rows.append(self._row(key, page, *outcome))
        self.writer.write(rows)
        s.new_rows = len(rows)
        # Decisions name the page, never its text: the state file holds no transcript.
        self.state.put_items([{"key": key, "kind": PAGE, "ref": page.ref, "status": status,
                               "reason": reason} for key, (page, status, reason)
                              in decisions.items()])
        s.kept = sum(1 for _, status, _ in decisions.values() if status == KEPT)
        s.dropped = Counter(reason for _, status, reason in decisions.values()
                            if status == DROPPED)
        calls = [self.state.usage(stage) for stage in STAGES]
        s.usage = (sum(n for n, _ in calls), sum((u for _, u in calls), Usage()))
        s.manifest = self._write_manifest(decisions)
        return s

    def _ask(self, stage: str, label: str, requests) -> dict[str, Reply]:
        with self.reporter.stage(label, len(requests)) as advance:
            replies = ask(self.model, self.state, stage, requests, advance)
        for reply in replies.values():
            if not reply.cached:
                self.summary.new_usage += reply.usage
        return replies

    def _both_turns(self, todo):
        """One request a page; the reply holds both turns, labelled. Yields (key, page, outcome):
        None for a model error, a drop reason, or the (patient, counselor) turns."""
        calls = {key: call_key(self.identity, page) for key, page in todo}
        replies = self._ask("paraphrase", "transcript pages",
                            [(calls[key], prompts.paraphrase_request(page.text))
                             for key, page in todo])
        for key, page in todo:
            reply = replies[calls[key]]
            if reply.error is not None:
                yield key, page, None
                continue
            turns = parse_round(reply.text)
            if turns is None:
                reason = REFUSAL if is_refusal(reply.text) else UNPARSED
            elif reply.finish == "length":
                reason = TRUNCATED
            else:
                reason = check_round(*turns, self.plan.min_words)
            yield key, page, reason or turns

    def _one_turn_each(self, todo):
        """The caregiver's turn of every page, then the counselor's turn of those that passed."""
        first = {key: turn_key(self.identity, page) for key, page in todo}
        replies = self._ask("paraphrase-patient", "transcript pages: caregiver turns",
                            [(first[key], prompts.patient_turn_request(page.text))
                             for key, page in todo])
        patients: dict[str, str] = {}
        for key, page in todo:
            outcome = self._turn(replies[first[key]], "patient", prompts.EXAMPLE_PATIENT)
            if isinstance(outcome, tuple):
                patients[key] = outcome[0]
            else:
                yield key, page, outcome
        second = {key: turn_key(self.identity, page, patients[key])
                  for key, page in todo if key in patients}
        replies = self._ask("paraphrase-counselor", "transcript pages: counselor turns",
                            [(second[key], prompts.counselor_turn_request(page.text,
                                                                          patients[key]))
                             for key, page in todo if key in patients])
        for key, page in todo:
            if key in patients:
                outcome = self._turn(replies[second[key]], "counselor", prompts.EXAMPLE_COUNSELOR)
                if isinstance(outcome, tuple):
                    outcome = (check_round(patients[key], outcome[0], self.plan.min_words)
                               or (patients[key], outcome[0]))
                yield key, page, outcome

    def _turn(self, reply: Reply, side: str, example: str):
        """None (model error), a drop reason such as 'patient too-short', or (text,)."""
        if reply.error is not None:
            return None
        text = parse_turn(reply.text, side)
        if text is None:
            return f"{side} {WRONG_VOICE}"
        reason = (TRUNCATED if reply.finish == "length"
                  else check_turn(text, side, self.plan.min_words, example))
        return f"{side} {reason}" if reason else (text,)

    def _row(self, key: str, page: Page, patient: str, counselor: str) -> dict[str, Any]:
        return {"id": key, "instruction": patient, "output": counselor, "source": "interview",
                "file": page.file, "page": page.number, "generator": self.model.model_id,
                "prompt_hash": self.plan.prompt_hash}

    def _write_manifest(self, decisions: dict[str, tuple[Page, str, str]]) -> Path:
        """Settings, counts and one line per page (file, number, outcome): no text at all."""
        s, plan = self.summary, self.plan
        path = plan.out.with_name(plan.out.name + ".manifest.json")
        outcome = {key: (status, reason) for key, (_, status, reason) in decisions.items()}
        pages = []
        for page in self.pages:
            key = page_key(self.identity, page, plan.prompt_hash)
            status, reason = outcome.get(key, ("failed", MODEL_ERROR))
            pages.append({"file": page.file, "page": page.number, "split": page.split,
                          "status": status, **({"reason": reason} if reason else {})})
        manifest = {
            "pipeline": "paraphrase", "model": self.model.model_id,
            "prompt_hash": plan.prompt_hash, "turns_per_request": plan.turns_per_request,
            "min_words": plan.min_words,
            "page_tokens": plan.page_tokens, "page_pattern": plan.page_pattern,
            "scrub": plan.scrub, "scrubbed": dict(s.scrubbed), "files": s.files,
            "pages": s.pages, "kept": s.kept, "dropped": dict(s.dropped), "failed": s.failed,
            "calls": s.usage[0], "prompt_tokens": s.usage[1].prompt_tokens,
            "completion_tokens": s.usage[1].completion_tokens, "page_outcomes": pages,
        }
        write_atomic(path, json.dumps(manifest, indent=2) + "\n")
        return path
