"""Typed option records for backends, parsed from `--model-opt k=v` strings."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

from ..errors import InputError
from ..inputs.textfiles import check_unicode
from .secrets import is_secret_name, mask_value

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclasses.dataclass(frozen=True)
class GenerationOptions:
    """Sampling settings shared by every backend (the paper's generation defaults)."""

    max_new_tokens: int = 1024
    temperature: float = 1.0
    top_k: int = 50
    top_p: float = 1.0
    seed: int = 0
    system_prompt: str | None = None

    def validate(self, owner: str) -> None:
        """Raise InputError for a value no backend should be sent (checked before any call)."""
        _range(owner, "max_new_tokens", self.max_new_tokens, 1, None)
        _range(owner, "temperature", self.temperature, 0.0, 2.0)
        _range(owner, "top_p", self.top_p, 0.0, 1.0, low_open=True)
        _range(owner, "top_k", self.top_k, 0, None)


def _range(owner: str, name: str, value: float | None, low: float | None, high: float | None,
           low_open: bool = False) -> None:
    """One-line error unless low <= value <= high (low < value when low_open)."""
    if value is None:
        return
    bad = (value != value or (low is not None and (value <= low if low_open else value < low))
           or (high is not None and value > high))
    if bad:
        lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
        hi = "" if high is None else f"<= {high}"
        raise InputError(f"option {name}={value} for {owner}: expected a number "
                         f"{' and '.join(x for x in (lo, hi) if x)}")


def parse_pairs(pairs: typing.Iterable[str], flag: str) -> dict[str, str]:
    """Turn ["k=v", ...] into a dict, naming the flag in the error for a pair without '='."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{flag} {pair!r}: expected key=value")
        # Bytes that are not UTF-8 on the command line arrive as lone surrogates: refused
        # here, not when the store cannot encode them.
        check_unicode(pair, flag, key.strip().encode("utf-8", "backslashreplace").decode())
        out[key.strip()] = value.strip()
    return out


def _coerce(value: Any, hint: Any, name: str, owner: str) -> Any:
    if not isinstance(value, str):
        return value
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if value.lower() in ("none", "null", "") and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
    try:
        if hint is bool:
            low = value.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError
        if hint is int:
            return int(value)
        if hint is float:
            return float(value)
    except ValueError:
        raise InputError(
            f"option {name}={value!r} for {owner}: expected {getattr(hint, '__name__', hint)}"
        ) from None
    return value


def build_options(cls: type[T], values: dict[str, Any], owner: str) -> T:
    """Build the frozen options record `cls` from strings, rejecting unknown names."""
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - fields)
    if unknown:
        raise InputError(
            f"unknown option {unknown[0]!r} for {owner}: expected one of {', '.join(sorted(fields))}")
    kwargs = {k: _coerce(v, hints[k], k, owner) for k, v in values.items()}
    options = cls(**kwargs)
    if isinstance(options, GenerationOptions):
        options.validate(owner)
    return options


def options_dict(options: Any) -> dict[str, Any]:
    """The options record as a plain dict, for provenance and hashing; secrets left out."""
    return {k: v for k, v in dataclasses.asdict(options).items() if not is_secret_name(k)}


def split_judge_options(values: dict[str, str], judges: typing.Sequence[str],
                        aliases: dict[str, str]) -> dict[str, dict[str, str]]:
    """`--judge-opt` pairs per judge: `name.k=v` for one judge, plain `k=v` for all of them."""
    out: dict[str, dict[str, str]] = {j: {} for j in judges}
    canonical = {aliases.get(j, j): j for j in judges}
    for key, value in values.items():
        prefix, dot, name = key.rpartition(".")  # judge ids may hold dots (gpt-4.1)
        if not dot:
            for j in judges:
                out[j].setdefault(key, value)
            continue
        target = canonical.get(aliases.get(prefix, prefix)) or (prefix if prefix in out else None)
        if target is None:
            raise InputError(f"--judge-opt {key}={mask_value(key, value)}: no judge {prefix!r} in "
                             f"this run (judges: {', '.join(judges)})")
        out[target][name] = value  # a judge's own value wins over one given to all
    return out
