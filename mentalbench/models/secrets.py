"""Keeping credentials out of every file and message: option names, URLs and known values.

The one masking policy of mentalbench: a value given under a secret name (key, token, password...)
is masked wherever it shows, whatever its length; so are URL user:password parts and the value
of every URL query parameter not on an allow-list of harmless names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
#: Words that make an option or parameter name secret (matched as whole words of the name).
_SECRET_WORDS = {"key", "apikey", "token", "secret", "password", "passwd", "credential",
                 "credentials", "auth", "authorization"}
_known: set[str] = set()


def is_secret_name(name: str) -> bool:
    """True for api_key, OPENAI_API_KEY, gpt4.access_token...; false for max_tokens."""
    return any(w in _SECRET_WORDS for w in re.split(r"[^a-z0-9]+", name.lower()))


#: Query parameters whose values are shown: they name a version, format or place, never a
#: credential. Every other parameter's value is masked.
HARMLESS_QUERY = frozenset({"api-version", "api_version", "version", "alt", "format", "model",
                            "models", "region", "location", "stream", "lang", "locale", "pretty"})
# Secrets this short are masked only as a whole word: "ab" inside "table" is not the key.
_WORD_ONLY_BELOW = 6


def remember(value: str | None) -> None:
    """Mask this value wherever it later appears in text we print or store (any length)."""
    if value and value.strip():
        _known.add(value)


def _environment_keys() -> set[str]:
    """Values of *_API_KEY variables: a key a backend may read, whether or not it did."""
    import os

    return {v for name, v in os.environ.items() if name.upper().endswith("API_KEY") and v.strip()}


def mask_text(text: str) -> str:
    """`text` with every remembered secret and API key variable's value (and any long prefix
    of one), URL credentials and URL query values masked."""
    for secret in sorted(_known | _environment_keys(), key=len, reverse=True):
        if len(secret) < _WORD_ONLY_BELOW:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", MASK, text)
            continue
        text = text.replace(secret, MASK)
        if len(secret) >= 16:
            text = text.replace(secret[:12], MASK)
    text = _URL_CREDENTIALS.sub(r"\1" + MASK + "@", text)
    return _URL_QUERY.sub(lambda m: m.group(1) + _mask_query(m.group(2)), text)


_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s@:]+(?::[^/\s@]*)?@", re.I)
# A query string in a URL, or after a path a server echoes back ("no route /v1?code=...").
_URL_QUERY = re.compile(r"((?:\b[a-z][a-z0-9+.-]*://|/)[^\s?#'\"<>]*\?)([^\s#'\"<>]*)",
                        re.I)


def _mask_query(query: str) -> str:
    """A query string with the value of every parameter not on the allow-list masked."""
    parts = []
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        keep = name.lower() in HARMLESS_QUERY and not is_secret_name(name)
        parts.append(pair if not eq or keep or not value else f"{name}={MASK}")
    return "&".join(parts)


def mask_url(url: str | None) -> str | None:
    """The URL with user:password and secret query parameters masked."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    query = urlencode([(k, v if k.lower() in HARMLESS_QUERY and not is_secret_name(k) or not v
                        else MASK)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_value(name: str, value: Any) -> Any:
    """An option's value as it may be written down."""
    if is_secret_name(name):
        if isinstance(value, str):
            remember(value)  # masked wherever else it shows, too
        return MASK
    if isinstance(value, str):
        return mask_text(mask_url(value) if "://" in value else value)
    return value


def mask_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of options with secret values masked, for manifests and messages."""
    return {k: mask_value(k, v) for k, v in values.items()}


def mask_argv(argv: Iterable[str]) -> list[str]:
    """A command line with secret k=v values (any form: `k=v`, `--opt=k=v`, `judge.k=v`) masked."""
    out = []
    for arg in argv:
        head, eq, rest = arg.partition("=")
        if eq and head.startswith("--") and "=" in rest:  # --judge-opt=api_key=...
            key, _, value = rest.partition("=")
            out.append(f"{head}={key}={mask_value(key, value)}")
        elif eq and not head.startswith("-"):  # api_key=... or gpt4.api_key=...
            out.append(f"{head}={mask_value(head, rest)}")
        else:
            out.append(mask_text(mask_url(arg) if "://" in arg else arg))
    return out
