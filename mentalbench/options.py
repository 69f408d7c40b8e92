"""Typed option records for backends, parsed from `--model-opt k=v` strings."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

from .errors import InputError

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


def parse_pairs(pairs: typing.Iterable[str], flag: str) -> dict[str, str]:
    """Turn ["k=v", ...] into a dict, naming the flag in the error for a pair without '='."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{flag} {pair!r}: expected key=value")
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
    return cls(**kwargs)


# Option names whose values never reach a cache key, provenance, manifest or log.
SECRET_OPTIONS = frozenset({"api_key", "key", "token", "password", "secret"})


def options_dict(options: Any) -> dict[str, Any]:
    """The options record as a plain dict, for provenance and hashing; secrets left out."""
    return {k: v for k, v in dataclasses.asdict(options).items() if k not in SECRET_OPTIONS}


def redact(values: dict[str, Any]) -> dict[str, Any]:
    """A copy of user-given options with secret values masked, for manifests."""
    return {k: ("***" if k in SECRET_OPTIONS else v) for k, v in values.items()}


def redact_argv(argv: list[str]) -> list[str]:
    """The command line with the values of secret k=v options masked."""
    out = []
    for arg in argv:
        key, sep, _ = arg.partition("=")
        out.append(f"{key}=***" if sep and key in SECRET_OPTIONS else arg)
    return out
