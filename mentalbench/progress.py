"""Progress reporting, kept out of the runner: silent, rich bars on a terminal, or plain lines."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Advance = Callable[[int], None]


class Reporter:
    """Silent reporter: the interface the runner talks to."""

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Advance]:
        yield lambda n: None

    def info(self, message: str) -> None:
        pass


class RichReporter(Reporter):
    """Progress bars and messages on stderr (a terminal), so stdout stays clean for results."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False, soft_wrap=True)

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
                      TimeElapsedColumn(), TimeRemainingColumn(), console=self.console) as bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)

    def info(self, message: str) -> None:
        self.console.print(message, markup=False)


class PlainReporter(Reporter):
    """One line at a time (CI, nohup, log files): a progress line every `every` seconds or 5%."""

    def __init__(self, stream: TextIO | None = None, every: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.every = every
        self.clock = clock

    def _say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    @contextmanager
    def stage(self, label: str, total: int) -> Iterator[Advance]:
        if total == 0:
            yield lambda n: None
            return
        start = last_time = self.clock()
        state = {"done": 0, "shown": 0}
        step = max(1, total // 20)  # 5%
        self._say(f"{label}: 0/{total}")

        def line() -> str:
            done, elapsed = state["done"], self.clock() - start
            rate = done / elapsed if elapsed > 0 else 0.0
            eta = f", ETA {(total - done) / rate:.0f}s" if rate > 0 and done < total else ""
            return (f"{label}: {done}/{total} ({100 * done / total:.0f}%), "
                    f"{rate:.2f}/s{eta}, {elapsed:.0f}s elapsed")

        def advance(n: int) -> None:
            nonlocal last_time
            state["done"] += n
            now = self.clock()
            if state["done"] - state["shown"] >= step or now - last_time >= self.every:
                self._say(line())
                state["shown"], last_time = state["done"], now

        yield advance
        if state["shown"] != state["done"]:
            self._say(line())

    def info(self, message: str) -> None:
        self._say(message)


def reporter_for(stream: TextIO | None = None) -> Reporter:
    """Rich bars when `stream` (stderr by default) is a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    return RichReporter() if stream.isatty() else PlainReporter(stream)
