"""Pytest fixtures for the API tests: fake servers that stop afterwards, models that close."""

from __future__ import annotations

import pytest

#: Keys the tests hand to the backends; none may ever be found on disk.
OPENAI_KEY = "sk-test-NEVER-ON-DISK-openai-0123456789"
GEMINI_KEY = "gm-test-NEVER-ON-DISK-gemini-0123456789"

#: Fast settings for tests: tiny backoff, short timeout (hangs cost little).
FAST = {"backoff": "0.001", "timeout": "1"}


@pytest.fixture
def serve():
    """Start fake servers: serve(FakeOpenAI, latency=..., faults=...); all stop afterwards."""
    started = []

    def start(cls, **kwargs):
        server = cls(**kwargs).start()
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()


@pytest.fixture
def api_keys(monkeypatch):
    """The usual key variables set to test keys; no price override, no Vertex AI switch."""
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI_KEY)
    for name in ("GOOGLE_API_KEY", "MENTALBENCH_PRICES", "GOOGLE_GENAI_USE_VERTEXAI",
                 "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_model(api_keys):
    """Build API models with the registry, the way the runner does; close them afterwards."""
    from mentalbench.plugins.registry import get_registry

    built = []

    def make(model_id: str, **options):
        model = get_registry().get_model(model_id, {k: str(v) for k, v in options.items()})
        built.append(model)
        return model
    yield make
    for model in built:
        model.close()
