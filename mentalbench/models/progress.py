"""Progress reporting, kept out of the runner: silent, rich bars on a terminal, or plain lines."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Advance = Callable[[int], None]

HEARTBEAT_ENV = "MENTALBENCH_PROGRESS_SECONDS"
HEARTBEAT_SECONDS = 10.0


def heartbeat_seconds() -> float:
    """The longest a plain reporter stays silent: $MENTALBENCH_PROGRESS_SECONDS, else 10."""
    value = os.environ.get(HEARTBEAT_ENV, "").strip()
    try:
        seconds = float(value) if value else HEARTBEAT_SECONDS
    except ValueError:
        seconds = HEARTBEAT_SECONDS
    return seconds if seconds > 0 else HEARTBEAT_SECONDS


class Reporter:
    """Silent reporter: the interface the runner talks to.

    `stage(label, total)` counts items; `total=None` is work of unknown size (loading a model,
    writing exports), shown with its elapsed time only.
    """

    @contextmanager
    def stage(self, label: str, total: int | None) -> Iterator[Advance]:
        yield lambda n: None

    def info(self, message: str) -> None:
        pass


class RichReporter(Reporter):
    """Progress bars and messages on stderr (a terminal), so stdout stays clean for results."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False, soft_wrap=True)

    @contextmanager
    def stage(self, label: str, total: int | None) -> Iterator[Advance]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        if total == 0:
            yield lambda n: None
            return
        columns = ([TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn()] if total is not None else
                   [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()])
        with Progress(*columns, console=self.console, transient=total is None) as bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)

    def info(self, message: str) -> None:
        self.console.print(message, markup=False)


class PlainReporter(Reporter):
    """One line at a time (CI, nohup, log files): a line every 5% done, and a heartbeat line
    whenever `every` seconds pass without one, even while the first item is still running.
    Work that ends (or fails) within `every` seconds prints nothing: a quick error stays the
    one line shown, and a quick stage is told by the summary."""

    def __init__(self, stream: TextIO | None = None, every: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.every = every if every is not None else heartbeat_seconds()
        self.clock = clock
        self._lock = threading.Lock()

    def _say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    @contextmanager
    def stage(self, label: str, total: int | None) -> Iterator[Advance]:
        if total == 0:
            yield lambda n: None
            return
        start = self.clock()
        state = {"done": 0, "shown": 0, "said": start}
        step = max(1, (total or 0) // 20)  # 5%

        def line() -> str:
            done, elapsed = state["done"], self.clock() - start
            if total is None:
                return f"{label}: {elapsed:.0f}s elapsed"
            rate = done / elapsed if elapsed > 0 else 0.0
            eta = (f"ETA {(total - done) / rate:.0f}s" if rate > 0 else "ETA unknown"
                   ) if done < total else "done"
            return (f"{label}: {done}/{total} ({100 * done / total:.0f}%), "
                    f"{rate:.2f}/s, {eta}, {elapsed:.0f}s elapsed")

        def say() -> None:
            self._say(line())
            state["shown"], state["said"] = state["done"], self.clock()

        def advance(n: int) -> None:
            with self._lock:
                state["done"] += n
                now = self.clock()
                if now - start < self.every:
                    return  # a stage that ends within one heartbeat says nothing
                if state["done"] - state["shown"] >= step or now - state["said"] >= self.every:
                    say()

        stop = threading.Event()

        def heartbeat() -> None:
            while not stop.wait(self.every / 4):
                with self._lock:
                    if not stop.is_set() and self.clock() - state["said"] >= self.every:
                        say()

        # No opening line: an error in the first second stays the one line shown.
        beat = threading.Thread(target=heartbeat, name=f"heartbeat {label}", daemon=True)
        beat.start()
        try:
            yield advance
        finally:
            stop.set()
            beat.join()
        with self._lock:
            if self.clock() - start < self.every:
                return
            if total is None:
                self._say(f"{label}: done in {self.clock() - start:.0f}s")
            elif state["shown"] != state["done"]:
                say()

    def info(self, message: str) -> None:
        self._say(message)


def quiet_libraries() -> None:
    """Silence library progress bars (transformers' weights loading, hub downloads): one
    heartbeat per command is ours to print."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "transformers" in sys.modules:  # read the variable at import: tell it directly too
        from transformers.utils import logging

        logging.disable_progress_bar()


def reporter_for(stream: TextIO | None = None) -> Reporter:
    """Rich bars when `stream` (stderr by default) is a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    return RichReporter() if stream.isatty() else PlainReporter(stream)


@contextmanager
def working(label: str, reporter: Reporter | None = None) -> Iterator[None]:
    """Work of unknown length under `label`: a spinner or heartbeat lines while it runs."""
    with (reporter or reporter_for()).stage(label, None):
        yield
