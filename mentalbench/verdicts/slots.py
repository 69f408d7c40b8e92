"""The rubric's output format: how the judge writes one rating, e.g. "{name}: [[{rating}]]"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError

DEFAULT_SLOT = "{name}: [[{rating}]]"
# Always defanged in quoted material: the default slot's brackets.
_ALWAYS_DEFANGED = ("[[", "]]")


@dataclass(frozen=True)
class SlotFormat:
    """One rating as the judge must write it; `{name}` comes first, `{rating}` after it."""

    slot: str = DEFAULT_SLOT

    @classmethod
    def parse(cls, raw: object, where: str) -> SlotFormat:
        """The [output] table of rubric.toml, checked; `where` names the file for errors."""
        if not isinstance(raw, dict):
            raise InputError(f"{where}: field 'output': expected a table")
        unknown = sorted(set(raw) - {"slot"})
        if unknown:
            raise InputError(f"{where}: field 'output': unknown key {unknown[0]!r} "
                             "(expected 'slot')")
        slot = raw.get("slot", DEFAULT_SLOT)
        field = f"{where}: field 'output.slot'"
        if not isinstance(slot, str) or "\n" in slot:
            raise InputError(f"{field}: expected a one-line string such as {DEFAULT_SLOT!r}")
        for part in ("{name}", "{rating}"):
            if slot.count(part) != 1:
                raise InputError(f"{field}: expected {part} exactly once in {slot!r}")
        if slot.index("{name}") > slot.index("{rating}"):
            raise InputError(f"{field}: expected {{name}} before {{rating}} in {slot!r}")
        after = slot.split("{rating}", 1)[1].lstrip()
        if not after or after[0].isdigit() or after[0] == ".":
            raise InputError(f"{field}: expected text after {{rating}} that is not a digit, "
                             f"so that ratings such as 1 and 10 are told apart, in {slot!r}")
        return cls(slot)

    @property
    def before(self) -> str:
        """The text before the metric's name (often empty)."""
        return self.slot.split("{name}", 1)[0]

    @property
    def between(self) -> str:
        """The text between the name and the rating, e.g. ': [['."""
        return self.slot.split("{name}", 1)[1].split("{rating}", 1)[0]

    @property
    def after(self) -> str:
        """The text that closes the rating, e.g. ']]'."""
        return self.slot.split("{rating}", 1)[1]

    def line(self, name: str, rating: str = "rating") -> str:
        """The slot filled in, e.g. 'Empathy: [[rating]]' for the judge prompt."""
        return self.prefix(name) + rating + self.after

    def prefix(self, name: str) -> str:
        """What the judge writes right before a metric's rating, e.g. 'Empathy: [['."""
        return self.before + name + self.between

    def labels(self, lo: int, hi: int) -> list[str]:
        """Every rating of the scale with the closing text, so that '1' and '10' differ."""
        return [f"{v}{self.after}" for v in range(lo, hi + 1)]

    @property
    def opening(self) -> str:
        """The last word of the text before the rating ('[[' in the default), or ''."""
        words = self.between.split()
        return words[-1] if words else ""

    @property
    def closing(self) -> str:
        """The text after the rating, without spaces (']]' in the default)."""
        return self.after.strip()

    def defang(self, text: str) -> str:
        """Break up this format's rating marks in quoted text, so it cannot pass for a slot."""
        marks = set(_ALWAYS_DEFANGED)
        for mark in (self.opening, self.closing):
            if len(mark) >= 2 and not any(c.isalnum() or c.isspace() for c in mark):
                marks.add(mark)
        for mark in sorted(marks):
            # "[[" -> "[ [": a space after the mark's first character wherever the mark begins.
            text = re.sub(re.escape(mark[0]) + f"(?={re.escape(mark[1:])})", mark[0] + " ", text)
        return text
