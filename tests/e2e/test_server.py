"""ov-llm-server standalone: endpoints, auth, faults and model lifecycle, all with
LiteLLM not importable (the node installs and runs without it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import numpy as np
import openai
import psutil
import pytest

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
from testbed.models import DEFAULT
from testbed.node import Node, start_node, without_litellm
from testbed.prom import scrape, value
from testbed.waiting import wait_until

PARIS = [{"role": "user", "content": "What is the capital of France?"}]
IDLE_TTL = 4


@pytest.fixture(scope="module")
def node(models_root: Path, model_file: str, minilm: dict[str, Any]) -> Iterator[Node]:
    registry = models_root / "node" / "registry.json"
    registry.parent.mkdir(exist_ok=True)
    entry = default_entry(default_model_spec(), Path(model_file))
    corrupt = models_root / "node" / "corrupt-model"
    corrupt.mkdir(exist_ok=True)
    (corrupt / "openvino_model.xml").write_text("<not really a model")
    embed = minilm["entry"]
    registry.write_text(
        json.dumps(
            {
                "version": 1,
                "models": {
                    DEFAULT: entry,
                    "second": entry,
                    "embedder": embed,
                    "ghost": {**entry, "path": str(models_root / "node" / "missing.gguf")},
                    "corrupt": {**entry, "path": str(corrupt)},
                },
            }
        )
    )
    no_litellm = without_litellm(models_root / "node")
    blocked = subprocess.run(
        [sys.executable, "-c", "import litellm"], env={**os.environ, **no_litellm}
    )
    assert blocked.returncode != 0, "the stand-in must make `import litellm` fail"
    proc = start_node(
        registry,
        models_root / "node" / "server.log",
        env={
            "OV_MODELS_ROOT": str(models_root),
            "OV_IDLE_TTL_SECONDS": str(IDLE_TTL),
            "OV_MAX_LOADED_MODELS": "1",
            **no_litellm,
        },
    )
    yield proc
    proc.stop()


def client_for(node: Node, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{node.base_url}/v1", api_key=key or node.key, max_retries=0)


def test_health_models_and_startup_log(node: Node) -> None:
    health = node.health()
    assert health["status"] == "ok" and health["device"] == "CPU"
    assert health["registry_count"] == 4 and isinstance(health["loaded"], list)
    assert set(health["broken"]) == {"ghost"}  # its file is missing
    assert httpx.get(f"{node.base_url}/health").json() == {"status": "ok"}  # details need the key
    models = {m.id: m.model_extra for m in client_for(node).models.list().data}
    assert models[DEFAULT] and models[DEFAULT]["context_length"] == 8192
    assert models["embedder"] and models["embedder"]["mode"] == "embedding"
    log = node.log_text()
    assert "device=CPU (requested GPU)" in log and "registry=" in log and "fallback_model=" in log


def test_chat_tools_structured_and_streaming(node: Node) -> None:
    c = client_for(node)
    r = c.chat.completions.create(model=DEFAULT, messages=PARIS, temperature=0)
    assert (
        "Paris" in (r.choices[0].message.content or "") and r.usage and r.usage.prompt_tokens == 37
    )
    stream = c.chat.completions.create(
        model=DEFAULT,
        messages=PARIS,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == r.choices[0].message.content and chunks[-1].usage.completion_tokens > 0
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    r = c.chat.completions.create(
        model=DEFAULT, messages=PARIS, tools=[tool], tool_choice="required"
    )
    (call,) = r.choices[0].message.tool_calls or []
    assert r.choices[0].finish_reason == "tool_calls"
    jsonschema.validate(json.loads(call.function.arguments), tool["function"]["parameters"])
    schema = {
        "type": "object",
        "properties": {"capital": {"type": "string"}},
        "required": ["capital"],
    }
    r = c.chat.completions.create(
        model=DEFAULT,
        messages=PARIS,
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
    )
    jsonschema.validate(json.loads(r.choices[0].message.content or ""), schema)


def test_embeddings(node: Node) -> None:
    r = client_for(node).embeddings.create(model="embedder", input=["a cat", "a kitten", "taxes"])
    v = np.array([d.embedding for d in r.data])
    assert v.shape == (3, 384) and v[0] @ v[1] > v[0] @ v[2] and r.usage.prompt_tokens > 0


def test_per_request_log_line_without_prompt_text(node: Node) -> None:
    client_for(node).chat.completions.create(
        model=DEFAULT,
        messages=[{"role": "user", "content": "secret-prompt-marker"}],
        max_tokens=3,
        extra_headers={"x-request-id": "req-123"},
    )
    log = node.log_text()
    assert "completion id=req-123 model=smollm2-135m-instruct client=127.0.0.1" in log
    assert "latency_ms=" in log and "secret-prompt-marker" not in log


@pytest.mark.parametrize("key", [None, "wrong"])
def test_wrong_or_missing_key_is_401(node: Node, key: str | None) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.post(
        f"{node.base_url}/v1/chat/completions",
        headers=headers,
        json={"model": DEFAULT, "messages": PARIS},
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"


def test_bad_input_gets_the_same_400s(node: Node) -> None:
    c = client_for(node)
    for kwargs in [
        {"messages": []},
        {"messages": PARIS, "max_tokens": 0},
        {"messages": PARIS, "n": 9},
    ]:
        with pytest.raises(openai.BadRequestError):
            c.chat.completions.create(model=DEFAULT, **kwargs)  # type: ignore[arg-type]
    r = httpx.post(
        f"{node.base_url}/v1/chat/completions",
        content=b"{nope",
        headers={"Authorization": f"Bearer {node.key}"},
    )
    assert r.status_code == 400


def test_malformed_and_oversized_bodies(node: Node) -> None:
    headers = {"Authorization": f"Bearer {node.key}"}
    for body in (
        [],
        {"model": DEFAULT, "messages": [{"role": "user", "content": 42}]},
        {"model": DEFAULT, "messages": PARIS, "stream": "yes"},
    ):
        r = httpx.post(f"{node.base_url}/v1/chat/completions", json=body, headers=headers)
        assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    big = b'{"model": "x", "messages": "' + b"a" * (17 * 2**20) + b'"}'
    r = httpx.post(f"{node.base_url}/v1/chat/completions", content=big, headers=headers)
    assert r.status_code == 413
    r = client_for(node).chat.completions.create(model=DEFAULT, messages=PARIS, max_tokens=3)
    assert r.choices[0].message.content is not None


@pytest.mark.parametrize("key", ["short-key", "change-me-to-a-long-random-string"])
def test_a_weak_key_never_listens_beyond_loopback(tmp_path: Path, key: str) -> None:
    server = Path(sys.executable).with_name("ov-llm-server")
    env = {
        **os.environ,
        "OV_API_KEY": key,
        "OV_HOST": "0.0.0.0",
        "OV_REGISTRY_PATH": str(tmp_path / "registry.json"),
    }
    done = subprocess.run([str(server)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "refusing to listen on 0.0.0.0" in done.stderr


def test_missing_or_corrupt_model_fails_alone(node: Node) -> None:
    c = client_for(node)
    for name in ("ghost", "corrupt"):
        with pytest.raises(openai.APIStatusError) as info:
            c.chat.completions.create(model=name, messages=PARIS, max_tokens=3)
        assert info.value.status_code >= 500 and name in str(info.value.body)
    r = c.chat.completions.create(model=DEFAULT, messages=PARIS, max_tokens=3)
    assert r.choices[0].message.content is not None


def _loaded(node: Node) -> list[str]:
    return [m["name"] for m in node.health()["loaded"]]


def test_cap_evicts_the_least_recently_used_model(node: Node) -> None:
    c = client_for(node)
    c.chat.completions.create(model=DEFAULT, messages=PARIS, max_tokens=2)
    c.chat.completions.create(model="second", messages=PARIS, max_tokens=2)
    wait_until(lambda: _loaded(node) == ["second"], 10)
    assert "unloading model 'smollm2-135m-instruct' (least recently used; cap 1)" in node.log_text()


def _workers(node: Node) -> list[psutil.Process]:
    return psutil.Process(node.proc.pid).children(recursive=True)


def test_idle_unload_hands_memory_back_but_never_mid_request(node: Node) -> None:
    # /health drops a retired model at once; its worker exits a moment later.
    wait_until(lambda: _loaded(node) == [] and not _workers(node), 20)
    idle_rss = node.tree_rss()
    c = client_for(node)
    stream = iter(
        c.chat.completions.create(
            model=DEFAULT,
            messages=PARIS,
            stream=True,
            max_tokens=1200,
            extra_body={"ignore_eos": True},
        )
    )
    next(stream)  # loaded and generating
    (loaded,) = node.health()["loaded"]
    loaded_rss = node.tree_rss()
    worker = psutil.Process(loaded["pid"])
    tokens, outlived = 1, False
    for ch in stream:
        tokens += bool(ch.choices and ch.choices[0].delta.content)
        if not outlived and tokens % 50 == 0:  # by the node's own clock, past its TTL?
            (busy,) = node.health()["loaded"]
            outlived = busy["in_flight"] == 1 and busy["idle_seconds"] > IDLE_TTL
    assert outlived, "the request must outlive the idle TTL"
    assert tokens > 1100  # it ran to the end although it lasted past the TTL
    wait_until(lambda: _loaded(node) == [], 15)
    wait_until(lambda: not worker.is_running(), 10)
    after_rss = node.tree_rss()
    assert loaded_rss - idle_rss > 100_000_000, (idle_rss, loaded_rss)
    assert after_rss - idle_rss < 0.2 * (loaded_rss - idle_rss), (idle_rss, loaded_rss, after_rss)


def test_node_metrics_need_the_key_and_move_with_requests(node: Node) -> None:
    assert httpx.get(f"{node.base_url}/metrics", timeout=30).status_code == 401
    before = value(scrape(node.base_url, node.key), "ov_generated_tokens_total", model=DEFAULT)
    client_for(node).chat.completions.create(
        model=DEFAULT,
        messages=[{"role": "user", "content": "hi"}],
        max_tokens=4,
        extra_body={"ignore_eos": True},
    )
    text = scrape(node.base_url, node.key)
    assert value(text, "ov_generated_tokens_total", model=DEFAULT) == (before or 0) + 4
    assert value(text, "ov_model_loaded", model=DEFAULT) == 1.0
