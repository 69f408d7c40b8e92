"""The Check base class: a deterministic pass / fail / na verdict on one answer to one question."""

from __future__ import annotations

import hashlib
import importlib
from functools import cached_property
from pathlib import Path

from ..errors import MentalbenchError
from ..records.base import CheckResult, Question
from .rules import DATA_DIR

STATUSES = ("pass", "fail", "na")


class Check:
    """A deterministic test of an answer: no API call, no network, the same verdict every time."""

    name: str = ""
    description: str = ""
    # Files under `data_dir` and modules whose content decides the results: both go into
    # `version`, so a stored result is keyed by exactly what decided it.
    data_dir: Path = DATA_DIR
    data_files: tuple[str, ...] = ()
    rule_modules: tuple[str, ...] = ()
    # False: run only when named (--check NAME), not among "every registered check".
    default: bool = True

    @cached_property
    def version(self) -> str:
        """A content hash of the check's name, data files and rule modules' source."""
        digest = hashlib.sha256(b"check\0" + self.name.encode() + b"\0")
        for file in self.data_files:
            path = Path(self.data_dir) / file
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise MentalbenchError(f"check {self.name!r}: cannot read its data file "
                                       f"{path}: {exc.strerror}") from None
            digest.update(b"file\0" + file.encode() + b"\0" + data + b"\0")
        for module in self.rule_modules or (type(self).__module__,):
            digest.update(b"module\0" + module.encode() + b"\0" + _source(self.name, module))
        return digest.hexdigest()[:16]

    def applies(self, question: Question) -> bool:
        """Whether the check has anything to say about answers to this question."""
        return True

    def not_applicable(self, question: Question) -> str:
        """The reason given with an "na" result."""
        return "does not apply to this question"

    def evaluate(self, question: Question, answer: str) -> CheckResult:
        """The verdict on an answer to a question the check applies to."""
        raise NotImplementedError

    def run(self, question: Question, answer: str) -> CheckResult:
        """The verdict: "na" with a reason when the check does not apply, else evaluate()."""
        if not self.applies(question):
            return CheckResult("na", reason=self.not_applicable(question))
        result = self.evaluate(question, answer)
        _validate(self.name, result, answer)
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.version}>"


def _source(name: str, module: str) -> bytes:
    mod = importlib.import_module(module)
    path = getattr(mod, "__file__", None)
    if not path or not Path(path).is_file():
        raise MentalbenchError(f"check {name!r}: no source file for module {module!r} to "
                               f"compute its version from; set `version` on the class")
    return Path(path).read_bytes()


def _validate(name: str, result: CheckResult, answer: str) -> None:
    if not isinstance(result, CheckResult) or result.status not in STATUSES:
        raise MentalbenchError(f"check {name!r} returned {result!r}: expected a CheckResult "
                               f"with status {', '.join(STATUSES)}")
    if result.span is not None:
        start, end = result.span
        if not (0 <= start <= end <= len(answer)) or answer[start:end] != result.evidence:
            raise MentalbenchError(f"check {name!r}: evidence span {result.span} does not hold "
                                   f"its evidence text in the answer")
