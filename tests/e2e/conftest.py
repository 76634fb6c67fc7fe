from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
from testbed.models import DEFAULT, THINKER, TINY_CTX, extract_minilm, place_default_ir, place_model
from testbed.proxy import KEY, Proxy, start_proxy
from testbed.shared import Missing, prisma_engines

E2E_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here starts real processes: all of them are `e2e`."""
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model_file(default_gguf: Path, models_root: Path) -> str:
    return place_model(default_gguf, models_root, DEFAULT)


@pytest.fixture(scope="session")
def model_ir(models_root: Path) -> Path:
    """The default model's IR (saved by GenAI from the GGUF), as `make run` serves it."""
    return place_default_ir(models_root)[0]


@pytest.fixture(scope="session")
def proxy(models_root: Path, model_ir: Path, model_file: str) -> Iterator[Proxy]:
    entry = default_entry(default_model_spec(), model_ir, Path(model_file))  # as `make run`
    models = {
        DEFAULT: entry,
        TINY_CTX: {**entry, "context_length": 96},
        THINKER: {**entry, "reasoning": True},
    }
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


def cli(
    proxy: Proxy, *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "OV_REGISTRY_PATH": str(proxy.registry),
        "LITELLM_MASTER_KEY": KEY,
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "convert_cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def minilm(proxy: Proxy, models_root: Path) -> dict[str, Any]:
    """all-MiniLM-L6-v2 converted into the main proxy's registry; `entry` is its
    registry entry as written then (other tests may edit that registry later)."""
    source = extract_minilm(models_root / "all-MiniLM-L6-v2")
    done = cli(proxy, str(source), "--name", "minilm-l6", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    entry = json.loads(proxy.registry.read_text())["models"]["minilm-l6"]
    return {"source": source, "entry": entry, **json.loads(done.stdout)}


# The board test bed (a session fixture); imported last, since it uses the helpers above.
from .bed import bc, board_bed  # noqa: E402, F401


@pytest.fixture(scope="session")
def prisma_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Prisma's engines for `make ui`'s database (skipped when they cannot be had)."""
    try:
        return prisma_engines(tmp_path_factory.mktemp("prisma"))
    except Missing as exc:
        pytest.skip(str(exc))
