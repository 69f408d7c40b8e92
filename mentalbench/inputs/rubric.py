"""Rubrics: a folder with rubric.toml (metrics, scale, output format) and Jinja2 templates."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..errors import InputError
from ..records.base import Metric, Scale
from ..records.hashing import folder_sha256
from ..verdicts.judge_text import as_read, defang_brackets, defang_fences
from ..verdicts.names import name_clash, name_words
from ..verdicts.slots import SlotFormat
from .textfiles import require_regular

REQUIRED_TEMPLATES = ("system.j2", "prompt.j2")
# Rendered into prompt.j2 once at load: finds the lines that frame the question and answer.
_SAMPLES = {"question": "mentalbench-sample-question", "answer": "mentalbench-sample-answer"}


@dataclass(frozen=True)
class Rubric:
    """A loaded rubric folder, ready to render judge prompts."""

    name: str
    path: Path
    metrics: tuple[Metric, ...]
    overall: Metric | None
    scale: Scale
    sha256: str
    output: SlotFormat = SlotFormat()
    #: (opening, closing) lines that frame the question or answer in the prompt, found at load.
    markers: tuple[tuple[str, str], ...] = ()

    @property
    def rated(self) -> tuple[Metric, ...]:
        """Every slot the judge rates: the overall rating (if any) then each metric."""
        return ((self.overall,) if self.overall else ()) + self.metrics

    def slot(self, metric: Metric) -> str:
        """A metric's slot as the prompt asks for it, e.g. 'Empathy: [[rating]]'."""
        return self.output.line(metric.name)

    def slot_prefix(self, metric: Metric) -> str:
        """What the judge writes right before a metric's rating, e.g. 'Empathy: [['."""
        return self.output.prefix(metric.name)

    def choice_labels(self) -> list[str]:
        """Every rating of the scale followed by the format's closing text, e.g. '7]]'."""
        return self.output.labels(self.scale.min, self.scale.max)

    def shown(self, text: str) -> str:
        """A question or answer as the judge sees it: read as a judge reads it (NFKC, no
        invisibles), then every bracket pair, rating mark and fence-like run broken up."""
        text = defang_fences(defang_brackets(as_read(text)), self.fence_marks)
        return self.output.defang(text)

    @property
    def fence_marks(self) -> str:
        """'=' and the marks the prompt's BEGIN/END lines start with ('-', '#'...)."""
        firsts = {line[0] for pair in self.markers for line in pair
                  if line and not line[0].isalnum() and not line[0].isspace()}
        return "=" + "".join(sorted(firsts - {"="}))

    def _render(self, template: str, **context) -> str:
        base = {"metrics": self.metrics, "overall": self.overall, "scale": self.scale,
                "rubric": self, "output": self.output, "slot": self.slot}
        try:
            return _environment(self.path).get_template(template).render(
                **base, **context).strip()
        except Exception as exc:  # noqa: BLE001 - any template fault is the rubric's input error
            raise _template_error(exc, self.path, template) from None

    def messages(self, question: str, answer: str) -> list[dict[str, str]]:
        """The judge conversation for one answer."""
        return [{"role": "system", "content": self._render("system.j2")},
                {"role": "user", "content": self._render(
                    "prompt.j2", question=self.shown(question), answer=self.shown(answer))}]

    def repair_message(self, missing: list[Metric]) -> str | None:
        """A follow-up asking only for missing ratings, if the rubric has repair.j2."""
        if not (self.path / "repair.j2").is_file():
            return None
        return self._render("repair.j2", missing=missing)


@functools.lru_cache(maxsize=32)
def _environment(path: Path) -> jinja2.Environment:
    """One environment per rubric folder, so each template compiles once (not once a render)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(path),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              keep_trailing_newline=False, autoescape=False)


def _template_error(exc: Exception, folder: Path, template: str) -> InputError:
    """One line naming the template file (and line, where jinja gives one) and the fault."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return InputError(f"{exc.filename or folder / template}:{exc.lineno}: {exc.message}")
    if isinstance(exc, jinja2.TemplateNotFound):
        fault = f"template {exc.name!r} not found in {folder}"
    elif isinstance(exc, jinja2.UndefinedError):
        fault = exc.message or "undefined value"
    elif isinstance(exc, UnicodeDecodeError):
        fault = f"an included file is not UTF-8 text ({exc.reason})"
    else:
        fault = f"{type(exc).__name__}: {exc}"
    return InputError(f"{_template_place(exc, folder) or folder / template}: {fault}")


def _template_place(exc: Exception, folder: Path) -> str | None:
    """'file:line' of the innermost template frame of the error's traceback (jinja maps its
    compiled code back to template lines there)."""
    inside = os.path.normpath(folder) + os.sep
    place, tb = None, exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if os.path.normpath(name).startswith(inside):
            place = f"{name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return place


def _utf8(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                         f"offset {exc.start})") from None


def _metric(raw: object, where: str) -> Metric:
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str) \
            or not isinstance(raw.get("name"), str):
        raise InputError(f"{where}: expected a table with string 'key' and 'name'")
    if not name_words(raw["name"]):
        raise InputError(f"{where}: field 'name': expected letters or digits, got {raw['name']!r}")
    return Metric(raw["key"], raw["name"], str(raw.get("definition", "")).strip())


def _check_distinct(spec: Path, metrics: tuple[Metric, ...], overall: Metric | None) -> None:
    """Refuse metrics the leaderboard or the parser could not tell apart."""
    rated = ((overall,) if overall else ()) + metrics
    keys = [m.key for m in rated]
    for key in keys:
        if keys.count(key) > 1:
            raise InputError(f"{spec}: field 'metrics': duplicate metric key {key!r}")
    clash = name_clash(rated, overall)
    if clash:
        a, b = clash
        raise InputError(f"{spec}: field 'metrics': {a.name!r} ({a.key}) and {b.name!r} "
                         f"({b.key}) read as one metric (names and keys must differ beyond "
                         "case, '&'/'and', punctuation and a trailing 'rating'/'score')")


def _scale(spec: Path, raw: object) -> Scale:
    try:
        lo, hi = int(raw.get("min", 1)), int(raw.get("max", 10))
        anchors = tuple(sorted((int(k), str(v)) for k, v in raw.get("anchors", {}).items()))
    except (TypeError, ValueError, AttributeError):
        raise InputError(f"{spec}: field 'scale': expected integer min, max and anchors") from None
    if lo >= hi:
        raise InputError(f"{spec}: field 'scale': expected min < max")
    return Scale(lo, hi, anchors)


def _markers(prompt: str) -> tuple[tuple[str, str], ...]:
    """The non-blank lines right before and after each sample that stands on a line alone."""
    lines = [line.strip() for line in prompt.split("\n")]
    found = []
    for sample in _SAMPLES.values():
        for i, line in enumerate(lines):
            if line == sample:
                before = next((t for t in reversed(lines[:i]) if t), "")
                after = next((t for t in lines[i + 1:] if t), "")
                if before and after:
                    found.append((before, after))
    return tuple(found)


#: Up to this many rated slots, repair.j2 is rendered at load for every set of missing ones.
_ALL_SUBSETS_UP_TO = 10


def _missing_sets(rated: tuple[Metric, ...]) -> list[list[Metric]]:
    """The sets of missing metrics repair.j2 is test-rendered with: every non-empty subset when
    there are few, else each one alone, each pair and all of them."""
    n = len(rated)
    if n <= _ALL_SUBSETS_UP_TO:
        return [[m for i, m in enumerate(rated) if bits >> i & 1] for bits in range(1, 2 ** n)]
    pairs = [list(p) for p in itertools.combinations(rated, 2)]
    return [[m] for m in rated] + pairs + [list(rated)]


def load_rubric(path: str | Path) -> Rubric:
    """Load and check a rubric folder, rendering every template once; errors name file and field."""
    path = Path(path)
    spec = path / "rubric.toml"
    if path.is_dir():
        for entry in sorted(path.rglob("*")):
            require_regular(entry, "a rubric file")  # a FIFO would block reading or hashing
    if not spec.is_file():
        raise InputError(f"{path}: not a rubric folder (expected rubric.toml inside)")
    try:
        data = tomllib.loads(_utf8(spec))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{spec}: {exc}") from None
    for name in REQUIRED_TEMPLATES:
        if not (path / name).is_file():
            raise InputError(f"{path}: missing template {name}")
    for template in sorted(path.rglob("*.j2")):
        _utf8(template)
    raw_metrics = data.get("metrics")
    if not isinstance(raw_metrics, list) or not raw_metrics:
        raise InputError(f"{spec}: field 'metrics': expected at least one [[metrics]] table")
    metrics = tuple(_metric(m, f"{spec}: metrics[{i}]") for i, m in enumerate(raw_metrics))
    overall = _metric(data["overall"], f"{spec}: overall") if "overall" in data else None
    _check_distinct(spec, metrics, overall)
    output = SlotFormat.parse(data.get("output", {}), str(spec))
    rubric = Rubric(str(data.get("name", path.name)), path, metrics, overall,
                    _scale(spec, data.get("scale", {})), folder_sha256(path), output)
    # Fail now, not mid-run: render every template once with sample values.
    _, prompt = rubric.messages(_SAMPLES["question"], _SAMPLES["answer"])
    for missing in _missing_sets(rubric.rated):
        rubric.repair_message(missing)
    return dataclasses.replace(rubric, markers=_markers(prompt["content"]))
