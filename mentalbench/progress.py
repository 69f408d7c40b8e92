"""Progress reporting, kept out of the runner: a silent default and a rich progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[int], None]


class Reporter:
    """Silent reporter: the interface the runner talks to."""

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Advance]:
        yield lambda n: None

    def info(self, message: str) -> None:
        pass


class RichReporter(Reporter):
    """Progress bars and messages on stderr, so stdout stays clean for results."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False)

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Advance]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        if total == 0:
            yield lambda n: None
            return
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=self.console,
                      disable=not sys.stderr.isatty() and total < 1) as bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)

    def info(self, message: str) -> None:
        self.console.print(message)
