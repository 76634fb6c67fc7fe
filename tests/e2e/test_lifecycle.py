"""Ollama-style lifecycle on the real proxy: ov-llm ps/load/unload, keep_alive per
request, model_info.loaded following along, and no unload under a running request."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import httpx
import openai
import pytest

from testbed.models import TINY_CTX
from testbed.proxy import KEY, Proxy

HI = [{"role": "user", "content": "hi"}]


def ov_llm(proxy: Proxy, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable,
        "-m",
        "litellm_ov_provider.ops.cli",
        "--url",
        proxy.base_url,
        "--key",
        KEY,
        *args,
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300)


def loaded(proxy: Proxy, name: str = TINY_CTX) -> bool:
    return bool(proxy.model_info(name)["loaded"])


def test_lifecycle_endpoints_need_the_master_key(proxy: Proxy) -> None:
    assert httpx.get(f"{proxy.base_url}/ov/ps", timeout=30).status_code == 401
    wrong = {"Authorization": "Bearer sk-not-the-master-key"}
    r = httpx.post(f"{proxy.base_url}/ov/load", json={"model": TINY_CTX}, headers=wrong)
    assert r.status_code == 401
    with proxy.http() as http:
        missing = http.post("/ov/load", json={"model": "no-such-model"})
        bad = http.post("/ov/load", json={"model": TINY_CTX, "keep_alive": "soon"})
    assert missing.status_code == 404 and "no-such-model" in missing.json()["error"]["message"]
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "keep_alive"


def test_load_ps_and_unload_from_the_cli(proxy: Proxy) -> None:
    done = ov_llm(proxy, "load", TINY_CTX, "--keep-alive", "-1")
    assert done.returncode == 0, done.stderr
    proxy.wait_for(lambda: loaded(proxy), 10, "model_info.loaded after a load")
    ps = ov_llm(proxy, "ps")
    row = next(line for line in ps.stdout.splitlines() if TINY_CTX in line)
    assert "CPU" in row and "never" in row and " MB" in row, ps.stdout
    done = ov_llm(proxy, "unload", TINY_CTX)
    assert done.returncode == 0 and "unloading" in done.stdout
    proxy.wait_for(lambda: not loaded(proxy), 10, "model_info.loaded after an unload")
    assert TINY_CTX not in ov_llm(proxy, "ps").stdout


def test_keep_alive_zero_unloads_after_the_request(client: openai.OpenAI, proxy: Proxy) -> None:
    r = client.chat.completions.create(
        model=TINY_CTX, messages=HI, max_tokens=2, extra_body={"keep_alive": 0}
    )
    assert r.choices[0].message.content is not None
    proxy.wait_for(lambda: not loaded(proxy), 10, "keep_alive 0 to unload the model")
    client.chat.completions.create(
        model=TINY_CTX, messages=HI, max_tokens=2, extra_body={"keep_alive": "10m"}
    )
    proxy.wait_for(lambda: loaded(proxy), 10, "the model loaded again")


def test_a_bad_keep_alive_is_a_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=TINY_CTX, messages=HI, extra_body={"keep_alive": []})
    assert "keep_alive" in str(info.value)


def test_unload_waits_for_the_request_in_flight(client: openai.OpenAI, proxy: Proxy) -> None:
    stream = client.chat.completions.create(
        model=TINY_CTX,
        messages=HI,
        max_tokens=40,
        stream=True,
        extra_body={"ignore_eos": True},
    )
    chunks: list[Any] = []
    first = threading.Event()

    def read() -> None:
        for chunk in stream:
            chunks.append(chunk)
            first.set()

    reader = threading.Thread(target=read)
    reader.start()
    assert first.wait(120)
    assert ov_llm(proxy, "unload", TINY_CTX).returncode == 0  # while it streams
    reader.join(300)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == ["length"] and text  # the whole answer, not cut by the unload
    proxy.wait_for(lambda: not loaded(proxy), 10, "the unload once the request finished")


def test_keep_alive_on_an_embedding_request(
    client: openai.OpenAI, proxy: Proxy, minilm: dict[str, Any]
) -> None:
    r = client.embeddings.create(model="minilm-l6", input=["a cat"], extra_body={"keep_alive": 0})
    assert len(r.data[0].embedding) == 384
    proxy.wait_for(lambda: not loaded(proxy, "minilm-l6"), 10, "the embedder to unload")


def test_a_pinned_model_is_loaded_and_warm_before_the_front_door_is_ready(
    tmp_path_factory: pytest.TempPathFactory, models_root: Any, model_ir: Any, model_file: str
) -> None:
    from pathlib import Path

    from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
    from testbed.models import DEFAULT
    from testbed.proxy import start_proxy

    entry = default_entry(default_model_spec(), model_ir, Path(model_file))
    env = {
        "OV_PINNED_MODELS": DEFAULT,
        "OV_IDLE_TTL_SECONDS": "1",
        "OV_MAX_LOADED_MODELS": "1",
        "OV_MODELS_ROOT": str(models_root),
    }
    proxy = start_proxy(tmp_path_factory.mktemp("pinned"), {DEFAULT: entry, "other": entry}, env)
    try:
        seen: list[int] = []

        def ready() -> bool:
            r = httpx.get(f"{proxy.base_url}/health/readiness", timeout=10)
            seen.append(r.status_code)
            return r.status_code == 200

        proxy.wait_for(ready, 120, "readiness")
        assert set(seen) <= {200, 503}
        assert proxy.workers(DEFAULT), "ready before the pinned model was loaded"
        assert "pinned model smollm2-135m-instruct loaded and warm" in proxy.log_text()
        body = httpx.get(f"{proxy.base_url}/health/readiness", timeout=10).json()
        assert body["pinned_models"] == {"ready": 1}
        # Neither the idle TTL (1 s) nor the cap (1) takes it: "other" loads beside it.
        client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0)
        client.chat.completions.create(
            model="other", messages=[{"role": "user", "content": "hi"}], max_tokens=2
        )
        threading.Event().wait(3)
        assert proxy.workers(DEFAULT) and "never (pinned)" in ov_llm(proxy, "ps").stdout
    finally:
        proxy.stop()
