"""Judgments made elsewhere: FastChat single-mode judgment JSONL and CSV files of human ratings."""

from __future__ import annotations

import collections
import csv
import dataclasses
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records.base import Answer, Judgment, Score
from ..records.hashing import content_key
from ..records.hashing import prompt_hash as hash_prompt
from ..verdicts.parse import text_scores
from .answers import AnswerFile
from .questions import QuestionSet
from .rubric import Rubric
from .textfiles import (
    check_unicode,
    csv_rows,
    json_objects,
    read_lines,
    read_text,
    refuse_json_array,
    require_regular,
)

#: The rubric imported judgments are read by when --rubric is not given (the judges' default).
DEFAULT_RUBRIC = "mentalgpt"
#: The judgment text FastChat writes when its call to the judge failed (its score is then -1).
FASTCHAT_ERROR = "$ERROR$"
HUMAN_MODEL = "human"
MODE = "import"


@dataclass(frozen=True)
class ImportedJudgments:
    """The judgments read from one file, ready to store, and what was set aside (and why)."""

    path: Path
    format: str  # "fastchat" | "csv"
    rubric: Rubric
    judgments: tuple[Judgment, ...]
    rows: int  # data rows read
    notes: tuple[str, ...] = ()  # one line each: rows skipped, replaced or not matching
    prompts: Mapping[str, str] = dataclasses.field(default_factory=dict)  # judge model -> prompt
    #: judgment key -> why it is stored unscored though the file rated it (its prompt differs)
    reasons: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def within(self, question_ids: Iterable[str]) -> ImportedJudgments:
        """Only the judgments of these questions (--limit)."""
        keep = set(question_ids)
        return dataclasses.replace(
            self, judgments=tuple(j for j in self.judgments if j.question_id in keep))

    def record(self) -> dict[str, Any]:
        """What was imported, for the store's history of invocations."""
        return {"path": str(self.path), "format": self.format, "rows": self.rows,
                "judgments": len(self.judgments), "rubric": self.rubric.name,
                "rubric_sha256": self.rubric.sha256,
                "judges": sorted({j.judge for j in self.judgments}),
                "prompts": dict(self.prompts), "notes": list(self.notes)}


def read_judgments(path: Path, files: Sequence[AnswerFile], questions: QuestionSet,
                   rubric: Rubric, name: str | None = None,
                   accept_prompt_mismatch: bool = False) -> ImportedJudgments:
    """The judgments of a FastChat judgment JSONL, a human-ratings CSV or a Label Studio
    export (.json) of `rate --export` tasks (told by content), matched to the answers in
    `files`; any row that does not fit is a one-line InputError.

    A FastChat row whose user_prompt is not what `rubric` renders for its question and answer
    rated something else: it is kept unscored, with the reason, unless
    `accept_prompt_mismatch`."""
    path = Path(path)
    require_regular(path, "a judgments file")
    if not path.is_file():
        raise InputError(f"{path}: no such judgments file")
    lineno, first = next(((n, line.strip()) for n, line in read_lines(path) if line.strip()),
                         (0, ""))
    if not first:
        raise InputError(f"{path}: empty judgments file")
    index = _AnswerIndex(files)
    if first.startswith("[") and path.suffix.lower() == ".json":
        from .judgment_import_labelstudio import is_label_studio

        if is_label_studio(path):
            return _label_studio(path, index, questions, rubric)
    refuse_json_array(first, f"{path}:{lineno}")
    if first.startswith("{"):
        return _fastchat(path, index, questions, rubric, name, accept_prompt_mismatch)
    if name:
        raise InputError("--import-name: only for FastChat judgments (a CSV's raters name its "
                         "judges human:<rater>)")
    return _human(path, index, questions, rubric)


class _AnswerIndex:
    """Finds the answer a judgment is of: its model by answers-file stem or model id."""

    def __init__(self, files: Sequence[AnswerFile]):
        self.files = files
        self.answers = {(id(f), a.question_id, a.sample): a for f in files for a in f.answers}

    def find(self, model: str, qid: str, sample: int, where: str) -> Answer:
        matched = [f for f in self.files if model in (f.path.stem, f.model)]
        if not matched:
            known = sorted({f.path.stem for f in self.files} | {f.model for f in self.files})
            raise InputError(f"{where}: model {model!r} matches no answers file by file name "
                             f"or model id (given: {', '.join(known)})")
        if len(matched) > 1:
            sets = ", ".join(f"{f.path} ({f.model}, answer set {f.answer_set})" for f in matched)
            raise InputError(f"{where}: model {model!r} matches several answers: {sets}; "
                             "pass only the one that was judged")
        answer = self.answers.get((id(matched[0]), qid, sample))
        if answer is None:
            what = f"question {qid!r}" + (f" sample {sample}" if sample else "")
            raise InputError(f"{where}: {matched[0].path} holds no answer of model {model!r} "
                             f"to {what}")
        return answer


def _judgment(answer: Answer, judge: str, judge_model: str, rubric: Rubric,
              questions: QuestionSet, scores: tuple[Score, ...], raw: str,
              prompt_hash: str = "") -> Judgment:
    key = content_key("imported-judgment", answer.key, judge, judge_model, rubric.sha256,
                      questions.sha256)
    return Judgment(key=key, answer_key=answer.key, question_id=answer.question_id,
                    model=answer.model, judge=judge, rubric=rubric.name, prompt_hash=prompt_hash,
                    raw=raw, scores=scores, mode=MODE, sample=answer.sample,
                    answer_set=answer.answer_set, judge_model=judge_model,
                    judge_model_served=judge_model, rubric_sha=rubric.sha256,
                    question_set=questions.name, question_set_sha=questions.sha256)


# -- FastChat model_judgment/*_single.jsonl ---------------------------------------------------

def _text_field(row: Mapping[str, Any], field: str, where: str) -> str:
    value = row.get(field)
    if field == "question_id" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or (field != "judgment" and not value.strip()):
        raise InputError(f"{where}: field {field!r}: expected a "
                         f"{'string' if field == 'judgment' else 'non-empty string'}")
    return check_unicode(value, where, field)


def _judge_of(value: Any, where: str) -> tuple[str, str]:
    """(judge model, prompt name) from FastChat's ["gpt-4", "single-v1"] or a bare "gpt-4"."""
    if isinstance(value, str) and value.strip():
        return value.strip(), ""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value) \
            and value[0].strip():
        return value[0].strip(), (value[1] if len(value) > 1 else "")
    raise InputError(f"{where}: field 'judge': expected a judge model name or a list "
                     "[judge model, prompt name]")


def first_difference(expected: str, given: str) -> str:
    """Where two prompts part: the line number and both versions of the first differing line."""
    want, got = expected.splitlines(), given.splitlines()
    for n, (a, b) in enumerate(zip(want, got, strict=False), 1):
        if a != b:
            return f"line {n}: rubric renders {a[:80]!r}, the file has {b[:80]!r}"
    n = min(len(want), len(got)) + 1
    return (f"line {n}: the file's prompt ends early" if len(got) < len(want) else
            f"line {n}: the file's prompt goes on ({got[n - 1][:80]!r})")


def _fastchat(path: Path, index: _AnswerIndex, questions: QuestionSet, rubric: Rubric,
              name: str | None, accept_prompt_mismatch: bool = False) -> ImportedJudgments:
    by_id = {q.id: q for q in questions.questions}
    reasons: dict[str, str] = {}
    first_mismatch = ""
    judgments: dict[str, Judgment] = {}
    prompts: dict[str, tuple[str, int]] = {}  # judge model -> (prompt name, first line)
    counts: collections.Counter = collections.Counter()
    rows = 0
    for lineno, row in json_objects(path, "a FastChat judgment object"):
        rows += 1
        where = f"{path}:{lineno}"
        turn = row.get("turn", 1)
        if turn != 1:
            if not isinstance(turn, int) or isinstance(turn, bool) or turn < 1:
                raise InputError(f"{where}: field 'turn': expected 1 or 2")
            counts["later turn"] += 1  # mentalbench's answers are first turns only
            continue
        qid = _text_field(row, "question_id", where)
        model = _text_field(row, "model", where)
        text = _text_field(row, "judgment", where)
        judge_model, prompt = _judge_of(row.get("judge"), where)
        seen_prompt, seen_line = prompts.setdefault(judge_model, (prompt, lineno))
        if prompt and seen_prompt and prompt != seen_prompt:
            raise InputError(f"{where}: field 'judge': prompt {prompt!r} after {seen_prompt!r} "
                             f"(line {seen_line}) for judge {judge_model!r}; one import is one "
                             "prompt and rubric: split the file by prompt")
        if prompt and not seen_prompt:  # a bare judge name says nothing of its prompt
            prompts[judge_model] = (prompt, lineno)
        if qid not in by_id:
            raise InputError(f"{where}: question_id {qid!r} is not in question set "
                             f"{questions.name!r} (pass --questions)")
        answer = index.find(model, qid, 0, where)  # FastChat judges choices[0]: sample 0
        if FASTCHAT_ERROR in text:
            counts["failed"] += 1
            scores = tuple(Score(m.key, None, "text") for m in rubric.rated)
        else:
            scores = text_scores(text, rubric)
        user_prompt = row.get("user_prompt")
        prompt_hash, mismatch = "", False
        if isinstance(user_prompt, str):
            counts["with prompt"] += 1
            # The file keeps the user prompt only: hashed with the rubric's system message, as
            # a judge's own prompt is, so that the same prompt has the same hash.
            system, user = rubric.messages(by_id[qid].text, answer.text)[:2]
            prompt_hash = hash_prompt([system, {"role": "user", "content": user_prompt}])
            rendered = user["content"]
            if rendered != user_prompt:
                mismatch = True
                counts["prompt differs"] += 1
                differs = first_difference(rendered, user_prompt)
                first_mismatch = first_mismatch or f"question {qid!r} ({where}), {differs}"
                if not accept_prompt_mismatch:
                    scores = tuple(Score(s.metric, None, s.mode) for s in scores)
        judgment = _judgment(answer, name or judge_model, judge_model, rubric, questions,
                             scores, text, prompt_hash)
        reasons.pop(judgment.key, None)  # a later row replaces an earlier one
        if mismatch and not accept_prompt_mismatch:
            reasons[judgment.key] = (f"imported unscored: its prompt is not rubric "
                                     f"{rubric.name!r}'s for question {qid!r} "
                                     "(--accept-prompt-mismatch keeps its ratings)")
        counts["replaced"] += judgment.key in judgments
        judgments[judgment.key] = judgment
    if not judgments:
        raise InputError(f"{path}: no first-turn judgments found")
    return ImportedJudgments(path, "fastchat", rubric, tuple(judgments.values()), rows,
                             _fastchat_notes(path, counts, rubric, first_mismatch,
                                             accept_prompt_mismatch),
                             {m: p for m, (p, _) in prompts.items()}, reasons)


def _fastchat_notes(path: Path, counts: Mapping[str, int], rubric: Rubric, first_mismatch: str,
                    accepted: bool) -> tuple[str, ...]:
    notes = []
    if counts["later turn"]:
        notes.append(f"{path}: {counts['later turn']} rows judge a later turn (MT-Bench's "
                     "second): skipped, as mentalbench judges first turns only")
    if counts["failed"]:
        notes.append(f"{path}: {counts['failed']} rows are FastChat failures ({FASTCHAT_ERROR}, "
                     "score -1): stored unscored")
    if counts["replaced"]:
        notes.append(f"{path}: {counts['replaced']} rows judge an answer judged earlier in the "
                     "file by the same judge: the later row is kept")
    if counts["prompt differs"]:
        kept = ("their ratings are kept (--accept-prompt-mismatch)" if accepted else
                "they are stored unscored (--accept-prompt-mismatch keeps their ratings)")
        notes.append(f"{path}: in {counts['prompt differs']} of {counts['with prompt']} rows the "
                     f"user_prompt is not what rubric {rubric.name!r} renders for that question "
                     f"and answer (another prompt, or other texts?); {kept}; first: "
                     f"{first_mismatch}")
    return tuple(notes)


# -- Label Studio exports of `mentalbench rate --export FILE.json` tasks -------------------------

def _label_studio(path: Path, index: _AnswerIndex, questions: QuestionSet,
                  rubric: Rubric) -> ImportedJudgments:
    from .judgment_import_labelstudio import annotations

    found = annotations(path, rubric)
    judgments = {}
    for a in found:
        scores = tuple(Score(m.key, a.scores[m.key], MODE) for m in rubric.rated)
        answer = index.find(a.model, a.question_id, a.sample, a.where)
        j = _judgment(answer, f"human:{a.rater}", HUMAN_MODEL, rubric, questions, scores, a.raw)
        judgments[j.key] = j
    return ImportedJudgments(path, "label-studio", rubric, tuple(judgments.values()), len(found))


# -- human ratings CSV ------------------------------------------------------------------------

ID_COLUMNS = ("question_id", "model", "rater")


def _columns(path: Path, header: list[str], rubric: Rubric) -> None:
    names = [c.strip() for c in header]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if repeated:
        raise InputError(f"{path}:1: column {repeated[0]!r} appears twice")
    missing = [c for c in (*ID_COLUMNS, *(m.key for m in rubric.rated)) if c not in names]
    if missing:
        raise InputError(f"{path}:1: missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)} (expected question_id, model, rater and one "
                         f"column per key of rubric {rubric.name!r})")


def _rating(cell: str, column: str, rubric: Rubric, where: str) -> float | None:
    text = cell.strip()
    if not text:
        return None
    lo, hi = rubric.scale.min, rubric.scale.max
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (lo <= value <= hi):  # NaN fails this too
        raise InputError(f"{where}: column {column!r}: expected a number from {lo} to {hi} or "
                         f"empty, got {cell!r}")
    return value


def _sample(cell: str, where: str) -> int:
    if not cell.strip():
        return 0
    if not cell.strip().isdigit():
        raise InputError(f"{where}: column 'sample': expected a whole number >= 0, got {cell!r}")
    return int(cell)


def _human(path: Path, index: _AnswerIndex, questions: QuestionSet,
           rubric: Rubric) -> ImportedJudgments:
    reader = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    header = [c.strip() for c in next(reader)]
    _columns(path, header, rubric)
    judgments: dict[str, tuple[Judgment, int]] = {}
    rows = 0
    for lineno, cells in csv_rows(reader, path):
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        where = f"{path}:{lineno}"
        if len(cells) != len(header):
            raise InputError(f"{where}: {len(cells)} cells, expected {len(header)} (one per "
                             "column of the header)")
        row = dict(zip(header, cells, strict=True))
        for column in ID_COLUMNS:
            if not row[column].strip():
                raise InputError(f"{where}: column {column!r}: expected a value")
            check_unicode(row[column], where, column)
        rater, model, qid = row["rater"].strip(), row["model"].strip(), row["question_id"].strip()
        sample = _sample(row.get("sample", ""), where)
        scores = tuple(Score(m.key, _rating(row[m.key], m.key, rubric, where), MODE)
                       for m in rubric.rated)
        answer = index.find(model, qid, sample, where)
        raw = "\n".join(f"{k}: {v}" for k, v in row.items() if k not in ID_COLUMNS and v.strip())
        judgment = _judgment(answer, f"human:{rater}", HUMAN_MODEL, rubric, questions, scores,
                             raw)
        if judgment.key in judgments:
            raise InputError(f"{where}: rater {rater!r} rated model {model!r} on question "
                             f"{qid!r} already (line {judgments[judgment.key][1]})")
        judgments[judgment.key] = (judgment, lineno)
    if not judgments:
        raise InputError(f"{path}: no ratings found")
    return ImportedJudgments(path, "csv", rubric, tuple(j for j, _ in judgments.values()), rows)
