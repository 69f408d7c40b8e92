"""Shared fixtures: hermetic environment and the scripted test-double plugin."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
# No installed plugin is loaded in tests (llm's habit): the suite sees mentalbench's bundled
# plugins and the test doubles its fixtures register, whatever else the machine has installed.
# A test that wants entry points loaded turns them on itself.
os.environ["MENTALBENCH_LOAD_PLUGINS"] = ""

ROOT = Path(__file__).resolve().parent.parent

# Fixtures of the API tests: fake OpenAI/Gemini servers, test keys, models that close.
pytest_plugins = ("tests.servers.fixtures", "tests.chromium")


@pytest.fixture
def scripted():
    """Register the scripted plugin like a real one; unregister afterwards."""
    from mentalbench.plugins.loading import load_plugins, pm
    from mentalbench.plugins.registry import get_registry

    from . import scripted as plugin

    load_plugins()
    pm.register(plugin, name="scripted-test-plugin")
    plugin.ScriptedModel.calls.clear()
    get_registry(refresh=True)
    yield plugin
    pm.unregister(name="scripted-test-plugin")
    get_registry(refresh=True)


@pytest.fixture
def small_questions(tmp_path):
    """A three-question native JSONL file."""
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "q1", "topic": "Anxiety", "text": "I panic before every exam. What can I do?"}\n'
        '{"id": "q2", "topic": "Grief and Loss", "text": "My dog died and I cannot stop crying."}\n'
        '{"id": "q3", "topic": "Stress", "text": "Work is crushing me, how do I say no?"}\n',
        encoding="utf-8")
    return path


@pytest.fixture
def window_covers_the_installed_release(monkeypatch):
    """Let the hf static engine run on whatever transformers is installed, so that `make
    test-latest` shows whether a new release keeps its answers; the window's own rule is tested
    with injected versions (tests/backends/hf/test_speed.py)."""
    from mentalbench.backends.hf import releases as hf_releases

    major, minor = (int(p) for p in hf_releases.installed_version().split(".")[:2])
    low, high = hf_releases.TRANSFORMERS_SUPPORTED
    monkeypatch.setattr(hf_releases, "TRANSFORMERS_SUPPORTED", (low, max(high, (major, minor))))


@pytest.fixture(autouse=True)
def forget_remembered_secrets():
    """Keys are remembered for masking for the rest of a process: one test's key ("x") must
    not mask another test's text."""
    from mentalbench.models import secrets

    known = set(secrets._known)
    yield
    secrets._known.clear()
    secrets._known.update(known)
