"""Shared fixtures: the real default model, fetched the way `make run` fetches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_ov_provider.bootstrap import cached_model_file, default_model_spec


@pytest.fixture(scope="session")
def default_gguf() -> Path:
    """The checksum-verified SmolLM2-135M-Instruct GGUF (downloaded once, then cached)."""
    return cached_model_file(default_model_spec())
