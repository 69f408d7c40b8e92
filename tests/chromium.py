"""Debian's chromium driven by Playwright, for the browser tests (report page, rating app).

Skipped only where chromium or Playwright is missing and nothing asks for them: under make
(mk/browser.mk sets MENTALBENCH_REQUIRE_BROWSER, and installs chromium) or with CI set, a
missing browser fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MENTALBENCH_CHROMIUM", "/usr/bin/chromium")
# The flags this machine needs (see the environment notes): no sandbox as root, no GPU, and
# no background networking, whose refused connections would otherwise flood the log.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _required() -> bool:
    flags = (os.environ.get("MENTALBENCH_REQUIRE_BROWSER"), os.environ.get("CI"))
    return any(v and v.lower() not in ("0", "false", "no") for v in flags)


def _missing() -> str | None:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or make browser)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install playwright)"
    return None


@pytest.fixture(scope="module")
def browser():
    why = _missing()
    if why:
        if _required():
            pytest.fail(f"the browser tests must run here: {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()
