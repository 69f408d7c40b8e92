"""The one clock: UTC timestamps as ISO 8601 text, as every record and manifest writes them."""

from __future__ import annotations

import time


def utc_stamp(seconds: float | None = None) -> str:
    """Seconds since the epoch (default: now) as 2026-01-31T12:00:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
