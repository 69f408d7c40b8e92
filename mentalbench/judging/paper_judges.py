"""The paper's judges today: a dated table of retired judge models and their replacements."""

from __future__ import annotations

import datetime as dt
import functools
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..inputs.textfiles import read_text
from ..models.secrets import mask_text, mask_url, mask_value
from ..records.base import JudgeSpec

#: The table that ships with mentalbench; entries of the file $MENTALBENCH_JUDGE_MODELS names
#: replace or add to its entries (docs/api-backends.md).
TABLE = Path(__file__).resolve().parent / "paper_judges.toml"
TABLE_VARIABLE = "MENTALBENCH_JUDGE_MODELS"
_TEXT_FIELDS = ("backend", "paper_model", "paper_name", "replacement", "source")
_DATE_FIELDS = ("shutdown", "read_on")


@dataclass(frozen=True)
class JudgeModel:
    """One paper judge: the model the paper used, what replaces it, when and on whose word."""

    judge: str
    backend: str
    paper_model: str
    paper_name: str
    replacement: str
    shutdown: dt.date
    source: str
    read_on: dt.date
    settings: Mapping[str, Mapping[str, str]]  # API model name -> the options it needs
    note: str = ""

    def options_for(self, api_model: str) -> dict[str, str]:
        """The options a model needs as this judge; unlisted models get the paper's."""
        return dict(self.settings.get(api_model, self.settings[self.paper_model]))

    def spec(self) -> JudgeSpec:
        """The registered judge: the replacement with its settings."""
        return JudgeSpec(
            self.judge, f"{self.backend}:{self.replacement}", self.options_for(self.replacement),
            description=f"the paper's {self.paper_name} judge, retired {self.shutdown}: judges "
                        f"with {self.backend}:{self.replacement} (pin the original with "
                        f"--judge-opt model={self.paper_model})")


def _entry(judge: str, raw: Any, where: str) -> JudgeModel:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: [{judge}]: expected a table")
    for name in _TEXT_FIELDS:
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise InputError(f"{where}: [{judge}] field {name!r}: expected a non-empty string")
    for name in _DATE_FIELDS:
        if not isinstance(raw.get(name), dt.date) or isinstance(raw[name], dt.datetime):
            raise InputError(f"{where}: [{judge}] field {name!r}: expected a date "
                             "(YYYY-MM-DD, unquoted)")
    settings = raw.get("settings")
    if not isinstance(settings, dict):
        raise InputError(f"{where}: [{judge}] field 'settings': expected a table per model")
    for model in (raw["paper_model"], raw["replacement"]):
        if not isinstance(settings.get(model), dict):
            raise InputError(f'{where}: [{judge}.settings."{model}"]: missing (every entry '
                             "gives the options of its paper model and of its replacement)")
    parsed: dict[str, dict[str, str]] = {}
    for model, options in settings.items():
        if not isinstance(options, dict) or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool)
                for v in options.values()):
            raise InputError(f'{where}: [{judge}.settings."{model}"]: expected option = value '
                             "pairs (strings or numbers)")
        parsed[model] = {k: str(v) for k, v in options.items()}
    if not raw["source"].startswith(("https://", "http://")):
        raise InputError(f"{where}: [{judge}] field 'source': expected the URL of the "
                         "vendor's page")
    return JudgeModel(judge, raw["backend"], raw["paper_model"], raw["paper_name"],
                      raw["replacement"], raw["shutdown"], raw["source"], raw["read_on"],
                      parsed, str(raw.get("note", "")))


def load_table(path: str | Path) -> dict[str, JudgeModel]:
    """Read and check a judge-model table; errors are one line naming the file and field."""
    path = Path(path)
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}") from None
    if not data:
        raise InputError(f"{path}: expected one [judge] table per paper judge")
    return {judge: _entry(judge, raw, str(path)) for judge, raw in data.items()}


@functools.lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> dict[str, JudgeModel]:
    return load_table(path)


def _read(path: Path) -> dict[str, JudgeModel]:
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    return _cached(str(path), mtime)


def table_paths() -> list[Path]:
    """The shipped table, then the file $MENTALBENCH_JUDGE_MODELS names (if set)."""
    extra = os.environ.get(TABLE_VARIABLE)
    return [TABLE, Path(extra)] if extra else [TABLE]


def judge_models() -> dict[str, JudgeModel]:
    """The table in use, keyed by judge name: the shipped one, updated by the user's file."""
    table: dict[str, JudgeModel] = {}
    for path in table_paths():
        table.update(_read(path))
    return table


def paper_judge(judge: str) -> JudgeSpec:
    """The JudgeSpec that backends register for a paper judge (no SDK is imported)."""
    try:
        return judge_models()[judge].spec()
    except KeyError:
        raise InputError(f"{TABLE}: no [{judge}] entry (the paper judge "
                         f"{judge!r} is registered from it)") from None


def _api_model(spec: JudgeSpec) -> tuple[str, str]:
    backend, _, target = spec.model.partition(":")
    return backend, str(spec.options.get("model") or target)


def pinned_options(spec: JudgeSpec, pinned_model: str | None) -> dict[str, Any]:
    """The base options of `spec` once `--judge-opt model=...` names another model.

    A paper judge pinned to a model other than its replacement takes that model's settings
    from the table (the paper's, for a model the table does not list), never the
    replacement's: a reasoning model's temperature 1 is no setting for GPT-4 Turbo.
    """
    if not pinned_model:
        return dict(spec.options)
    entry = judge_models().get(spec.name)
    if entry is None or spec.model != f"{entry.backend}:{entry.replacement}":
        return dict(spec.options)
    return {**{k: v for k, v in spec.options.items()
               if k not in entry.settings[entry.replacement]},
            **entry.options_for(pinned_model)}


def judge_model_note(spec: JudgeSpec, today: dt.date | None = None) -> str | None:
    """The one line a run prints about a paper judge: which model judges, and why."""
    entry = judge_models().get(spec.name)
    if entry is None:
        return None
    backend, api = _api_model(spec)
    if backend != entry.backend:
        return None
    gone = "was shut down" if entry.shutdown <= (today or dt.date.today()) else "shuts down"
    retired = f"{entry.paper_model} {gone} on {entry.shutdown}"
    if api == entry.replacement:
        return (f"{spec.name}: judging with {backend}:{api} (the paper's {retired}; "
                f"pin it with --judge-opt model={entry.paper_model})")
    if api == entry.paper_model:
        return (f"{spec.name}: judging with {backend}:{api}, the paper's model, pinned "
                f"({retired}: only a server that still serves it will answer)")
    return (f"{spec.name}: judging with {backend}:{api}, pinned (the paper's {retired}; "
            f"its recommended replacement is {entry.replacement})")


def describe_table(table: Mapping[str, JudgeModel] | None = None) -> list[str]:
    """The table as lines for `mentalbench judges`."""
    table = judge_models() if table is None else table
    lines = [f"Paper judges ({' updated by '.join(str(p) for p in table_paths())}):"]
    for judge, e in sorted(table.items()):
        settings = ", ".join(f"{k}={mask_value(k, v)}"
                             for k, v in e.options_for(e.replacement).items())
        lines.append(f"  {judge}: {e.paper_name} ({e.backend}:{e.paper_model}, shutdown "
                     f"{e.shutdown}) -> {e.backend}:{e.replacement} [{settings}]")
        lines.append(f"    source: {mask_url(e.source)} (read {e.read_on})")
    return [mask_text(line) for line in lines]
