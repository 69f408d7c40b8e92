"""'Did you mean ...?' for a mistyped name, from the names that exist (difflib)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names most like `name`, ignoring case, best first."""
    by_lower: dict[str, str] = {}
    for k in known:
        by_lower.setdefault(str(k).lower(), str(k))
    wanted = name.lower()
    if wanted in by_lower:  # differs only in case: that one, and only that one
        return [by_lower[wanted]]
    close = difflib.get_close_matches(wanted, list(by_lower), n=n, cutoff=0.6)
    if not close and len(wanted) >= 3:  # a known name's beginning: 'crisis' for crisis_referral
        close = sorted(k for k in by_lower if k.startswith(wanted))[:n]
    return [by_lower[k] for k in close]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'x' or 'y'?)', or '' when nothing known is close."""
    close = close_names(name, known)
    if not close:
        return ""
    return f" (did you mean {either(close)}?)"


def either(names: list[str]) -> str:
    """'a', 'a' or 'b', 'a', 'b' or 'c'."""
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
