"""Fixtures shared by the checks' tests."""

from __future__ import annotations

import shutil

import pytest

from mentalbench.checks.rules import DATA_DIR


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the bundled checks' data folder, to edit."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target
