"""Shared fixtures: the real default model, fetched the way `make run` fetches it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from litellm_ov_provider.ops.bootstrap import cached_model_file, default_model_spec

# LiteLLM imported in-process (unit tests) must not try the network for its cost map.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


E2E = Path(__file__).parent / "e2e"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The fast lane (`-m "not e2e"`) does not even import tests/e2e, every test of
    which is e2e (its client libraries alone take seconds to import)."""
    if "not e2e" in (config.getoption("markexpr") or "") and collection_path.is_relative_to(E2E):
        return True
    return None


@pytest.fixture(scope="session")
def default_gguf() -> Path:
    """The checksum-verified SmolLM2-135M-Instruct GGUF (downloaded once, then cached)."""
    return cached_model_file(default_model_spec())
