"""Pairwise rubrics: a folder whose rubric.toml says kind = "pairwise"; prompts show two answers
and the judge writes one verdict (A, B or tie) per metric, e.g. "Empathy: [[A]]"."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..records.base import Metric
from ..records.hashing import folder_sha256
from ..records.pairwise import TIE, A, B
from ..verdicts.slots import SlotFormat
from .resources import rubric_dir
from .rubric import REQUIRED_TEMPLATES, _environment, _metric, _template_error, _utf8

BUNDLED = "pairwise"
_DEFANG = SlotFormat()


@dataclass(frozen=True)
class PairwiseRubric:
    """A loaded pairwise rubric folder, ready to render judge prompts and read verdicts."""

    name: str
    path: Path
    metrics: tuple[Metric, ...]
    overall: Metric  # its name may be "" (a bare "[[A]]" verdict, as FastChat's pair prompts)
    labels: tuple[str, str, str]  # what the judge writes for A better, B better, a tie
    sha256: str

    @property
    def rated(self) -> tuple[Metric, ...]:
        return (self.overall, *self.metrics)

    def slot(self, metric: Metric) -> str:
        """The verdict line the prompt asks for, e.g. 'Empathy: [[A, B or C]]'."""
        a, b, tie = self.labels
        inner = f"[[{a}, {b} or {tie}]]"
        return f"{metric.name}: {inner}" if metric.name else inner

    def shown(self, text: str) -> str:
        """A question or answer as the judge sees it: verdict marks and '===' runs broken up."""
        return _DEFANG.defang(re.sub(r"={3,}", "==", text))

    def messages(self, question: str, first: str, second: str) -> list[dict[str, str]]:
        """The judge conversation for two answers, `first` shown as A."""
        context = {"metrics": self.metrics, "overall": self.overall, "slot": self.slot,
                   "verdicts": dict(zip((A, B, TIE), self.labels, strict=True)),
                   "question": self.shown(question), "answer_a": self.shown(first),
                   "answer_b": self.shown(second)}
        return [{"role": "system", "content": self._render("system.j2", context)},
                {"role": "user", "content": self._render("prompt.j2", context)}]

    def _render(self, template: str, context: dict) -> str:
        try:
            return _environment(self.path).get_template(template).render(**context).strip()
        except Exception as exc:  # noqa: BLE001 - any template fault is the rubric's input error
            raise _template_error(exc, self.path, template) from None

    def verdicts(self, text: str) -> dict[str, str | None]:
        """Each rated key's verdict in the judge's text (a, b, tie), or None when it gave none or
        gave two different ones; '>'-quoted lines do not count."""
        lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
        own = "\n".join(lines)
        choice = "|".join(re.escape(label) for label in self.labels)
        meaning = dict(zip(self.labels, (A, B, TIE), strict=True))
        out: dict[str, str | None] = {}
        named_spans: list[tuple[int, int]] = []
        for m in self.rated:
            if not m.name:
                continue
            pattern = (rf"(?im)^[\W_]*{re.escape(m.name)}[\W_]*?:?[ \t]*\[\[[ \t]*({choice})"
                       r"[ \t]*\]\]")
            found = list(re.finditer(pattern, own))
            named_spans += [x.span() for x in found]
            out[m.key] = _one({meaning[x.group(1)] for x in found})
        if not self.overall.name:
            bare = [x for x in re.finditer(rf"\[\[[ \t]*({choice})[ \t]*\]\]", own)
                    if not any(s <= x.start() < e for s, e in named_spans)]
            out[self.overall.key] = _one({meaning[x.group(1)] for x in bare})
        return {m.key: out[m.key] for m in self.rated}


def _one(found: set[str]) -> str | None:
    return next(iter(found)) if len(found) == 1 else None


def is_pairwise(path: Path) -> bool:
    """Whether a folder holds a pairwise rubric (rubric.toml with kind = "pairwise")."""
    spec = Path(path) / "rubric.toml"
    try:
        return tomllib.loads(_utf8(spec)).get("kind") == "pairwise" if spec.is_file() else False
    except tomllib.TOMLDecodeError:
        return False


def load_pairwise_rubric(path: str | Path) -> PairwiseRubric:
    """Load and check a pairwise rubric folder, rendering its templates once."""
    path = Path(path)
    spec = path / "rubric.toml"
    if not spec.is_file():
        raise InputError(f"{path}: not a rubric folder (expected rubric.toml inside)")
    try:
        data = tomllib.loads(_utf8(spec))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{spec}: {exc}") from None
    if data.get("kind") != "pairwise":
        raise InputError(f"{spec}: field 'kind': expected \"pairwise\" for a pairwise rubric "
                         f"(got {data.get('kind')!r})")
    for name in REQUIRED_TEMPLATES:
        if not (path / name).is_file():
            raise InputError(f"{path}: missing template {name}")
    metrics = tuple(_metric(m, f"{spec}: metrics[{i}]")
                    for i, m in enumerate(data.get("metrics") or []))
    raw = data.get("overall") or {"key": "overall", "name": ""}
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str):
        raise InputError(f"{spec}: overall: expected a table with a string 'key'")
    overall = Metric(raw["key"], str(raw.get("name", "")))
    labels = _labels(spec, data.get("verdicts", {"a": "A", "b": "B", "tie": "C"}))
    keys = [m.key for m in (overall, *metrics)]
    if len(set(keys)) != len(keys):
        raise InputError(f"{spec}: field 'metrics': duplicate metric key")
    rubric = PairwiseRubric(str(data.get("name", path.name)), path, metrics, overall, labels,
                            folder_sha256(path))
    rubric.messages("q", "first", "second")  # fail now, not mid-run
    return rubric


def _labels(spec: Path, raw: object) -> tuple[str, str, str]:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) and raw[k].strip()
                                            for k in (A, B, TIE)):
        raise InputError(f"{spec}: field 'verdicts': expected strings a, b and tie")
    labels = (raw[A].strip(), raw[B].strip(), raw[TIE].strip())
    if len(set(labels)) != 3 or any(not re.fullmatch(r"\w+", x) for x in labels):
        raise InputError(f"{spec}: field 'verdicts': expected three different words")
    return labels


def resolve_pairwise_rubric(name_or_path: str | None) -> PairwiseRubric:
    """The bundled pairwise rubric by default; else a folder."""
    if not name_or_path or name_or_path == BUNDLED:
        return load_pairwise_rubric(rubric_dir(BUNDLED))
    return load_pairwise_rubric(name_or_path)
