"""Rule data files (TOML): typed access that names the file and key of any problem."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ..errors import InputError
from .text import Lexicon, valid_phrase

DATA_DIR = Path(__file__).resolve().parent / "data"


class RuleFile:
    """One TOML file of phrase lists and word lists, read and checked once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{self.path}: no such rules file") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{self.path}: not valid TOML ({exc})") from None

    def _get(self, key: str, table: dict[str, Any] | None = None, where: str = "") -> Any:
        node: Any = self.data if table is None else table
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise InputError(f"{self.path}: key '{where}{key}': missing")
            node = node[part]
        return node

    def strings(self, key: str, table: dict[str, Any] | None = None,
                where: str = "") -> tuple[str, ...]:
        """A list of non-empty strings."""
        value = self._get(key, table, where)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InputError(f"{self.path}: key '{where}{key}': expected a list of non-empty "
                             f"strings")
        return tuple(v.strip() for v in value)

    def phrases(self, key: str, table: dict[str, Any] | None = None,
                where: str = "") -> tuple[str, ...]:
        """A list of phrases in the phrase syntax (words, spaces, hyphens, `*` ending a word)."""
        values = self.strings(key, table, where)
        for v in values:
            if not valid_phrase(v):
                raise InputError(f"{self.path}: key '{where}{key}': phrase {v!r}: expected words "
                                 f"(letters, digits, - ' & / .), each with an optional "
                                 f"trailing *, not a regular expression")
        return values

    def lexicon(self, key: str, table: dict[str, Any] | None = None, where: str = "") -> Lexicon:
        return Lexicon(self.phrases(key, table, where))

    def numbers(self, key: str) -> Lexicon:
        """Phone numbers: digit groups separated by spaces or hyphens."""
        values = self.strings(key)
        for v in values:
            if not v.replace(" ", "").replace("-", "").isdigit():
                raise InputError(f"{self.path}: key '{key}': number {v!r}: expected digits "
                                 f"grouped by spaces or hyphens")
        return Lexicon(values, numbers=True)

    def words(self, key: str, table: dict[str, Any] | None = None,
              where: str = "") -> frozenset[str]:
        """A set of single lower-case words (apostrophes allowed: "you're")."""
        values = self.strings(key, table, where)
        for v in values:
            if " " in v:
                raise InputError(f"{self.path}: key '{where}{key}': {v!r}: expected one word")
        # "don't" stands for "dont" too: posts often drop the apostrophe.
        return frozenset(w for v in values for w in {v.lower(), v.lower().replace("'", "")})

    def word_sequences(self, key: str) -> tuple[tuple[str, ...], ...]:
        """Phrases as tuples of lower-case words, longest first."""
        values = self.phrases(key)
        variants = {tuple(w) for v in values for w in _spellings(v.lower().split())}
        return tuple(sorted(variants, key=lambda p: (-len(p), p)))

    def tables(self, key: str) -> list[dict[str, Any]]:
        """An array of tables (`[[key]]`)."""
        value = self._get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise InputError(f"{self.path}: key '{key}': expected one or more [[{key}]] tables")
        return value


def _spellings(words: list[str]) -> list[list[str]]:
    """A phrase's words as posts spell them: each contraction as written, without its
    apostrophe ("youre"), spaced ("you re"), or with "n't" split off ("do n't")."""
    out: list[list[str]] = [[]]
    for word in words:
        forms = [[word]]
        if "'" in word:
            head, tail = word.split("'", 1)
            forms += [[head + tail], [w for w in (head, tail) if w]]
            if word.endswith("n't") and len(word) > 3:
                forms.append([word[:-3], "n't"])
        out = [done + form for done in out for form in forms]
    return out


def data_file(data_dir: Path, name: str) -> RuleFile:
    return RuleFile(Path(data_dir) / name)
