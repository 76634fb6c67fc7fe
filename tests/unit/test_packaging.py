"""What `pip install .` brings: the node without LiteLLM; the `proxy` extra brings the
front door (tests/e2e/test_server.py runs the node with LiteLLM not importable)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(r).name for r in requirements}


def test_the_node_installs_without_litellm_and_the_proxy_extra_brings_it() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert "litellm" not in _names(project["dependencies"])
    assert {"fastapi", "uvicorn", "openvino-genai"} <= _names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert "litellm" in _names(extras["proxy"])
    assert "litellm-ov" in _names(extras["ui"])  # make ui: the front door and its database
