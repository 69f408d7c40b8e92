"""Killing a child process at a chosen moment, for the kill -9 tests."""

from __future__ import annotations

import signal
import time


def kill_when(proc, ready, limit: float = 60.0) -> int:
    """SIGKILL `proc` once ready() is true (or after `limit` seconds); its exit status."""
    end = time.monotonic() + limit
    while not ready() and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.005)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait()
