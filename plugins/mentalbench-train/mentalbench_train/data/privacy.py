"""The privacy guard (private text never goes to a remote model) and pattern-based scrubbing."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mentalbench.api import MentalbenchError

#: Model id prefixes whose backends send text to a provider's servers.
REMOTE_PREFIXES = ("openai", "gemini")
#: Backend modules that talk to remote APIs, for models registered under other names.
REMOTE_MODULES = ("mentalbench.backends.api.openai", "mentalbench.backends.api.gemini",
                  "mentalbench.backends.api.base")
#: Option names that point a backend at a server.
URL_OPTIONS = ("base_url", "api_base", "endpoint", "url", "host")

LOCAL_HINT = ("use a local model (smollm2, hf:<folder>, gguf:<file>, vllm:<folder>) "
              "or pass --allow-remote")


class PrivacyError(MentalbenchError):
    """Private text was about to leave this machine."""


def is_loopback(url: str) -> bool:
    """Whether a URL (or bare host) names this machine: localhost or 127.0.0.0/8 or ::1."""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def remote_reason(model_id: str, options: Mapping[str, Any], factory: Any = None) -> str | None:
    """Why `model_id` with these options would send text off this machine, or None.

    API backends count as remote even when pointed at 127.0.0.1: their HTTP client may go
    through a proxy from the environment, and the id alone should tell a reader where text goes.
    """
    prefix = model_id.partition(":")[0].lower() if ":" in model_id else ""
    if prefix in REMOTE_PREFIXES:
        return f"model {model_id!r} sends text to the {prefix} API"
    for name in URL_OPTIONS:
        value = options.get(name)
        if value and not is_loopback(str(value)):
            return (f"option {name} points to {urlsplit(str(value)).hostname or value!r}, "
                    "which is not this machine")
    if factory is not None and (getattr(factory, "remote", False)
                                or getattr(factory, "__module__", "") in REMOTE_MODULES):
        return f"model {model_id!r} is served by a remote API backend"
    return None


def guard(model_id: str, options: Mapping[str, Any], *, allow_remote: bool, what: str,
          factory: Any = None) -> None:
    """Refuse (PrivacyError, exit 2) to send private `what` to a remote model."""
    if allow_remote:
        return
    reason = remote_reason(model_id, options, factory)
    if reason:
        raise PrivacyError(f"refusing to send {what} off this machine: {reason}; {LOCAL_HINT}")


# --- scrubbing ------------------------------------------------------------------------------

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,6}(?:[\s.-]\d{2,6}){1,3}(?!\w)"
    r"|(?<![\w+])(?:\+\d{10,14}|0\d{9,10})(?!\w)")
_STREET = (r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|"
           r"Pl|Terrace|Close|Crescent|Square|Sq|Parkway|Highway|Hwy")
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'.-]*\s+){{1,4}}(?:{_STREET})\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Unit|Flat|Suite)\.?\s*\w+)?")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_NAME = r"[A-Z][a-z'\u2019-]+(?:[ \t]+[A-Z][a-z'\u2019-]+)?"
_TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev)\.?[ \t]+({_NAME})")
_INTRODUCED = re.compile(
    rf"\b(?:[Mm]y name is|I'm called|I am called|[Nn]amed|[Cc]alled)[ \t]+({_NAME})")
_KIN = (r"husband|wife|partner|son|daughter|mother|father|mom|mum|dad|brother|sister|"
        r"grandson|granddaughter|grandmother|grandfather|aunt|uncle|cousin|friend|neighbou?r|"
        r"boss|doctor|nurse|carer|caregiver")
_RELATED = re.compile(
    rf"\b(?:[Mm]y|[Oo]ur|[Hh]er|[Hh]is|[Tt]heir)[ \t]+(?:{_KIN}),?[ \t]+({_NAME})")
_SPEAKER = re.compile(rf"^[ \t]*({_NAME})[ \t]*:", re.MULTILINE)
#: Speaker labels that are roles, not names.
ROLES = frozenset({
    "therapist", "counselor", "counsellor", "interviewer", "interviewee", "caregiver", "carer",
    "patient", "client", "participant", "speaker", "respondent", "facilitator", "moderator",
    "doctor", "nurse", "question", "answer", "note", "notes", "page", "transcript", "date",
    "time", "session", "q", "a", "p", "t", "i", "r", "mother", "father", "daughter", "son", "wife",
    "husband", "topic", "summary",
})
PLACEHOLDER = {"email": "[email]", "phone": "[phone]", "address": "[address]",
               "postcode": "[postcode]", "name": "[name]"}


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


@dataclass
class Scrubber:
    """Replaces emails, phone numbers, street addresses, postcodes and names with placeholders.

    Names are those given by the user, those after a title (Mrs. Okafor), an introduction
    (my name is ...) or a relation (my husband Tom), and speaker labels that are not roles;
    each one found is then replaced wherever else it appears in the same text. Patterns catch
    the common forms, not all.
    """

    names: Iterable[str] = ()
    counts: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.names = sorted({n.strip() for n in self.names if n.strip()}, key=len, reverse=True)

    def _sub(self, pattern: re.Pattern, kind: str, text: str, accept=lambda m: True) -> str:
        def replace(m: re.Match) -> str:
            if not accept(m):
                return m.group(0)
            self.counts[kind] += 1
            return PLACEHOLDER[kind]
        return pattern.sub(replace, text)

    def _found_names(self, text: str) -> list[str]:
        found = set(self.names)
        for pattern in (_TITLED, _INTRODUCED, _RELATED):
            found.update(m.group(1) for m in pattern.finditer(text))
        for m in _SPEAKER.finditer(text):
            label = m.group(1)
            if label.lower() not in ROLES and not any(w.lower() in ROLES for w in label.split()):
                found.add(label)
        parts = set(found)
        for name in found:  # "Ada Okafor" found: "Okafor" alone is hers too
            parts.update(p for p in name.split() if len(p) > 2)
        return sorted(parts, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """The text with identifying details replaced; self.counts grows by what was replaced."""
        text = self._sub(_EMAIL, "email", text)
        text = self._sub(_ADDRESS, "address", text)
        text = self._sub(_POSTCODE, "postcode", text)
        text = self._sub(_PHONE, "phone", text, accept=lambda m: 7 <= _digits(m.group(0)) <= 15
                         and not re.fullmatch(r"(?:19|20)\d\d[-\u2013](?:19|20)?\d\d", m.group(0)))
        titled = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev)\.?[ \t]+(?=\[name\])")
        for name in self._found_names(text):
            pattern = re.compile(r"(?<![\w\[])" + re.escape(name) + r"(?![\w\]])",
                                 0 if name[:1].isupper() else re.IGNORECASE)
            text = self._sub(pattern, "name", text)
        return titled.sub("", text)
