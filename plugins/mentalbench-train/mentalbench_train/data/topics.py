"""Topic weights for synthetic messages: CounselChat's by default, or a file of the user's."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from mentalbench.api import InputError


def _weight(value: object, where: str) -> float:
    try:
        weight = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{where}: weight {value!r}: expected a number") from None
    if not weight > 0:
        raise InputError(f"{where}: weight {value!r}: expected a number > 0")
    return weight


def load_topics(path: str | Path) -> dict[str, float]:
    """Read topic weights: a JSON object {topic: weight}, or lines "topic[,|TAB]weight".

    A line without a weight counts 1; blank lines and lines starting with # are skipped.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such topics file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: expected a JSON object of topic: weight")
        weights = {str(k).strip(): _weight(v, f"{path}: topic {k!r}") for k, v in data.items()}
    else:
        weights = {}
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            sep = "\t" if "\t" in line else ","
            name, found, value = line.rpartition(sep)
            if not found:
                name, value = line, "1"
            name = name.strip()
            if not name:
                raise InputError(f"{path}:{number}: expected 'topic,weight', got {line!r}")
            if name in weights:
                raise InputError(f"{path}:{number}: topic {name!r} listed twice")
            weights[name] = _weight(value.strip(), f"{path}:{number}")
    if not weights or any(not k for k in weights):
        raise InputError(f"{path}: expected at least one named topic")
    return weights


def draw_topics(weights: dict[str, float], n: int, seed: int, batch: int) -> list[str]:
    """The topics of batch number `batch`: the same seed and batch always draw the same ones."""
    names: Sequence[str] = list(weights)
    rng = random.Random(f"mentalbench-synth:{seed}:{batch}")
    return rng.choices(names, weights=[weights[t] for t in names], k=n)


#: Who writes a message asked for alone (a batch of one): a gender, drawn with these weights,
#: and its possessive pronoun; the age is drawn evenly from WRITER_AGES.
WRITER_GENDERS = {"woman": (48.0, "her"), "man": (48.0, "his"), "non-binary person": (4.0, "their")}
WRITER_AGES = range(18, 80)


def draw_writer(seed: int, batch: int) -> tuple[str, str]:
    """The writer of batch `batch`'s single message, e.g. ("44-year-old woman", "her").

    A batch of many asks the model to vary its writers; a batch of one names one, so that
    messages on the same topic differ even under greedy decoding.
    """
    rng = random.Random(f"mentalbench-writer:{seed}:{batch}")
    names = list(WRITER_GENDERS)
    gender = rng.choices(names, weights=[WRITER_GENDERS[g][0] for g in names])[0]
    return f"{rng.choice(WRITER_AGES)}-year-old {gender}", WRITER_GENDERS[gender][1]
