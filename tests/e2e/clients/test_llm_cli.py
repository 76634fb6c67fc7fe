"""Simon Willison's `llm` CLI, configured as its docs say for an OpenAI-compatible
server (extra-openai-models.yaml): a prompt, streamed and not, and a schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testbed.proxy import KEY, Proxy

from .common import HELLO, MODEL


@pytest.fixture
def llm_cli(proxy: Proxy, tmp_path: Path) -> list[str]:
    entry = {
        "model_id": "ov",
        "model_name": MODEL,
        "api_base": f"{proxy.base_url}/v1",
        "api_key_name": "ov",
        "supports_schema": True,
    }
    (tmp_path / "extra-openai-models.yaml").write_text(yaml.safe_dump([entry]))
    (tmp_path / "keys.json").write_text(json.dumps({"ov": KEY}))
    return [sys.executable, "-m", "llm"]


def run(cli: list[str], home: Path, *args: str) -> str:
    done = subprocess.run(
        [*cli, "-m", "ov", *args],
        env={"LLM_USER_PATH": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("streaming", [[], ["--no-stream"]], ids=["stream", "whole"])
def test_a_prompt(llm_cli: list[str], tmp_path: Path, streaming: list[str]) -> None:
    assert run(llm_cli, tmp_path, *streaming, "-o", "max_tokens", "12", HELLO).strip()


def test_a_schema(llm_cli: list[str], tmp_path: Path) -> None:
    out = run(llm_cli, tmp_path, "--schema", "name, country", "The capital of France?")
    assert set(json.loads(out)) == {"name", "country"}
