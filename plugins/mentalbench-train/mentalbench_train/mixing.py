"""Several data files into one training set: a seeded train/eval split per file, then the mix."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mentalbench.api import InputError

from .datasets import Example


@dataclass(frozen=True)
class SourceShare:
    """What one --data file contributed: rows, how they were split, its share of the mix."""

    path: str
    rows: int
    train: int
    eval: int
    weight: float | None  # from --mix; None when files are simply concatenated
    train_used: int  # train rows after the mix's repetitions
    share: float  # train_used / all train rows used


@dataclass(frozen=True)
class Mix:
    """The training and eval examples, and how each file is represented."""

    train: tuple[Example, ...]
    eval: tuple[Example, ...]
    sources: tuple[SourceShare, ...]


def eval_count(n: int, fraction: float) -> int:
    """How many of n rows to hold out: round(n * fraction), at least one when asked, never all."""
    if fraction <= 0 or n < 2:
        return 0
    return min(n - 1, max(1, round(n * fraction)))


def split(examples: Sequence[Example], fraction: float, seed: int,
          salt: str) -> tuple[list[Example], list[Example]]:
    """A reproducible split where every example lands in exactly one part, in file order."""
    order = list(range(len(examples)))
    random.Random(f"{seed}:{salt}").shuffle(order)
    held = set(order[:eval_count(len(examples), fraction)])
    train = [e for i, e in enumerate(examples) if i not in held]
    evals = [e for i, e in enumerate(examples) if i in held]
    return train, evals


def parse_weights(text: str | None, n_files: int) -> tuple[float, ...] | None:
    """--mix '2,1' -> (2.0, 1.0), one positive weight per --data file."""
    if text is None:
        return None
    try:
        weights = tuple(float(w) for w in text.split(","))
    except ValueError:
        raise InputError(f"--mix {text!r}: expected comma-separated numbers") from None
    if len(weights) != n_files:
        raise InputError(f"--mix {text!r}: expected {n_files} weights, one per --data file")
    if any(w <= 0 for w in weights):
        raise InputError(f"--mix {text!r}: expected weights > 0")
    return weights


def _repeat(rows: list[Example], target: int, rng: random.Random) -> list[Example]:
    """`rows` repeated whole as often as fits in `target`, topped up with a seeded sample."""
    whole, rest = divmod(target, len(rows))
    return rows * whole + rng.sample(rows, rest)


def mix(files: Sequence[tuple[Path, list[Example]]], eval_fraction: float, seed: int,
        weights: Sequence[float] | None = None) -> Mix:
    """Split each file, then mix the training parts; weights only ever repeat rows, never drop any.

    Without weights every file contributes its rows once (the paper's "both" set is the
    concatenation). With weights, files are repeated until each file's share of the training
    rows matches its weight as closely as whole rows allow.
    """
    parts = []
    for i, (path, examples) in enumerate(files):
        train, evals = split(examples, eval_fraction, seed, f"{i}:{path.name}")
        parts.append((path, examples, train, evals))
    if weights is None:
        used = [p[2] for p in parts]
    else:
        total_w = sum(weights)
        # The smallest total in which no file falls below its own size: nothing is dropped.
        total = max(len(p[2]) * total_w / w for p, w in zip(parts, weights, strict=True))
        rng = random.Random(f"{seed}:mix")
        used = [_repeat(p[2], max(len(p[2]), round(total * w / total_w)), rng) for p, w in
                zip(parts, weights, strict=True)]
    n_used = sum(len(u) for u in used) or 1
    given = list(weights) if weights is not None else [None] * len(parts)
    sources = tuple(SourceShare(str(p[0]), len(p[1]), len(p[2]), len(p[3]), w, len(u),
                                round(len(u) / n_used, 4))
                    for p, w, u in zip(parts, given, used, strict=True))
    rng = random.Random(f"{seed}:order")
    train = [e for u in used for e in u]
    rng.shuffle(train)
    return Mix(tuple(train), tuple(e for p in parts for e in p[3]), sources)
