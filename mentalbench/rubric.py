"""Rubrics: a folder with rubric.toml (metrics, scale) and Jinja2 templates for the judge prompt."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .errors import InputError
from .hashing import folder_sha256

REQUIRED_TEMPLATES = ("system.j2", "prompt.j2")


@dataclass(frozen=True)
class Metric:
    """One rated dimension: its column key, display name and definition."""

    key: str
    name: str
    definition: str = ""


@dataclass(frozen=True)
class Scale:
    """The rating range and the anchors that explain it."""

    min: int
    max: int
    anchors: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Rubric:
    """A loaded rubric folder, ready to render judge prompts."""

    name: str
    path: Path
    metrics: tuple[Metric, ...]
    overall: Metric | None
    scale: Scale
    sha256: str

    @property
    def rated(self) -> tuple[Metric, ...]:
        """Every slot the judge rates: the overall rating (if any) then each metric."""
        return ((self.overall,) if self.overall else ()) + self.metrics

    def _env(self) -> jinja2.Environment:
        return _environment(self.path)

    def _render(self, template: str, **context) -> str:
        base = {"metrics": self.metrics, "overall": self.overall, "scale": self.scale,
                "rubric": self}
        try:
            return self._env().get_template(template).render(**base, **context).strip()
        except jinja2.UndefinedError as exc:
            raise InputError(f"{self.path / template}: {exc.message}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"{self.path / template}:{exc.lineno}: {exc.message}") from None

    def messages(self, question: str, answer: str) -> list[dict[str, str]]:
        """The judge conversation for one answer."""
        return [{"role": "system", "content": self._render("system.j2")},
                {"role": "user", "content": self._render("prompt.j2", question=_defang(question),
                                                         answer=_defang(answer))}]

    def repair_message(self, missing: list[Metric]) -> str | None:
        """A follow-up asking only for missing ratings, if the rubric has repair.j2."""
        if not (self.path / "repair.j2").is_file():
            return None
        return self._render("repair.j2", missing=missing)


def _defang(text: str) -> str:
    """Shorten runs of '=' so quoted text cannot fake the prompt's BEGIN/END markers."""
    return re.sub(r"={3,}", "==", text)


@functools.lru_cache(maxsize=32)
def _environment(path: Path) -> jinja2.Environment:
    """One environment per rubric folder, so each template compiles once (not once a render)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(path),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              keep_trailing_newline=False, autoescape=False)


def _metric(raw: object, where: str) -> Metric:
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str) \
            or not isinstance(raw.get("name"), str):
        raise InputError(f"{where}: expected a table with string 'key' and 'name'")
    return Metric(raw["key"], raw["name"], str(raw.get("definition", "")).strip())


def load_rubric(path: str | Path) -> Rubric:
    """Load and check a rubric folder; errors name the file and field."""
    path = Path(path)
    spec = path / "rubric.toml"
    if not spec.is_file():
        raise InputError(f"{path}: not a rubric folder (expected rubric.toml inside)")
    try:
        data = tomllib.loads(spec.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{spec}: {exc}") from None
    for name in REQUIRED_TEMPLATES:
        if not (path / name).is_file():
            raise InputError(f"{path}: missing template {name}")
    raw_metrics = data.get("metrics")
    if not isinstance(raw_metrics, list) or not raw_metrics:
        raise InputError(f"{spec}: field 'metrics': expected at least one [[metrics]] table")
    metrics = tuple(_metric(m, f"{spec}: metrics[{i}]") for i, m in enumerate(raw_metrics))
    keys = [m.key for m in metrics]
    if len(set(keys)) != len(keys):
        raise InputError(f"{spec}: field 'metrics': duplicate metric key")
    overall = _metric(data["overall"], f"{spec}: overall") if "overall" in data else None
    raw_scale = data.get("scale", {})
    try:
        lo, hi = int(raw_scale.get("min", 1)), int(raw_scale.get("max", 10))
        anchors = tuple(sorted((int(k), str(v)) for k, v in raw_scale.get("anchors", {}).items()))
    except (TypeError, ValueError, AttributeError):
        raise InputError(f"{spec}: field 'scale': expected integer min, max and anchors") from None
    if lo >= hi:
        raise InputError(f"{spec}: field 'scale': expected min < max")
    rubric = Rubric(str(data.get("name", path.name)), path, metrics, overall,
                    Scale(lo, hi, anchors), folder_sha256(path))
    rubric.messages("question", "answer")  # fail now, not mid-run, on a template error
    return rubric
