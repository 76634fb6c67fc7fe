from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from litellm_ov_provider.bootstrap import default_entry, default_model_spec

from .proxy import KEY, Proxy, start_proxy

DEFAULT = "smollm2-135m-instruct"
TINY_CTX = "smollm2-tiny-context"


def place_model(gguf: Path, root: Path, name: str) -> str:
    target = (
        root / "converted_models" / name / "task-text-generation-with-past__wf-q4_1" / gguf.name
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        try:
            os.link(gguf, target)
        except OSError:
            target.write_bytes(gguf.read_bytes())
    return str(target)


@pytest.fixture(scope="session")
def models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model_file(default_gguf: Path, models_root: Path) -> str:
    return place_model(default_gguf, models_root, DEFAULT)


@pytest.fixture(scope="session")
def proxy(models_root: Path, model_file: str) -> Iterator[Proxy]:
    entry = default_entry(default_model_spec(), Path(model_file))  # as `make run` registers it
    models = {DEFAULT: entry, TINY_CTX: {**entry, "context_length": 96}}
    proc = start_proxy(models_root, models)
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def client(proxy: Proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0, timeout=120)


@pytest.fixture(scope="session")
def aclient(proxy: Proxy) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0, timeout=120
    )
