"""Concurrency, disconnects, lazy loading, health probes, device fallback."""

from __future__ import annotations

import asyncio
import re

import httpx
import openai

from testbed.models import DEFAULT
from testbed.proxy import Proxy

STORY = [{"role": "user", "content": "Tell me a long story about a dragon and a knight."}]


async def _stream_tokens(
    aclient: openai.AsyncOpenAI, seed: int, chunk_seen: asyncio.Event | None = None
) -> int:
    stream = await aclient.chat.completions.create(
        model=DEFAULT,
        messages=STORY,
        max_tokens=64,
        temperature=0.8,
        seed=seed,
        stream=True,
        stream_options={"include_usage": True},
    )
    usage = None
    async for chunk in stream:
        usage = chunk.usage or usage
        if chunk_seen is not None:
            chunk_seen.set()
    assert usage is not None
    return usage.completion_tokens


async def test_eight_concurrent_streams_complete_and_the_loop_stays_free(
    proxy: Proxy, aclient: openai.AsyncOpenAI
) -> None:
    await _stream_tokens(aclient, 0)  # loaded
    chunk_seen = asyncio.Event()
    answered = 0

    async def probe() -> None:
        """Between streamed chunks, another request gets its answer."""
        nonlocal answered
        async with httpx.AsyncClient(base_url=proxy.base_url) as http:
            while True:
                await chunk_seen.wait()
                chunk_seen.clear()
                assert (await http.get("/health/liveliness")).status_code == 200
                answered += 1

    prober = asyncio.create_task(probe())
    tokens = await asyncio.gather(*[_stream_tokens(aclient, i, chunk_seen) for i in range(8)])
    prober.cancel()
    assert all(t > 0 for t in tokens)
    # Answered while the streams ran (bench/concurrency.py measures how fast).
    assert answered >= 5


async def test_disconnect_stops_generation_in_the_engine(
    proxy: Proxy, aclient: openai.AsyncOpenAI
) -> None:
    marker = "Write an extremely long essay about the history of bridges."
    stream = await aclient.chat.completions.create(
        model=DEFAULT,
        messages=[{"role": "user", "content": marker}],
        max_tokens=2000,
        stream=True,
        temperature=0.7,
        seed=5,
    )
    received = 0
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            received += 1
        if received >= 5:
            break
    await stream.close()

    def cancelled() -> list[int]:
        return [
            int(n)
            for n in re.findall(
                r"model smollm2-135m-instruct: request \d+ cancelled after (\d+) generated tokens",
                proxy.log_text(),
            )
        ]

    proxy.wait_for(lambda: bool(cancelled()), 30, "the engine to log the cancelled request")
    assert max(cancelled()) < 400


async def test_model_loads_once_under_concurrent_first_requests(
    proxy: Proxy, aclient: openai.AsyncOpenAI, model_file: str
) -> None:
    name = "concurrent-first-load"
    proxy.edit_registry(lambda d: d["models"].__setitem__(name, {"path": model_file}))
    try:
        results = await asyncio.gather(
            *[
                aclient.chat.completions.create(model=name, messages=STORY, max_tokens=4)
                for _ in range(4)
            ]
        )
        assert all(r.choices[0].message.content is not None for r in results)
        log = proxy.log_text()
        assert log.count(f"loading model '{name}'") == 1
        assert re.search(rf"loaded model '{name}' on CPU in [\d.]+ s", log)
    finally:
        proxy.edit_registry(lambda d: d["models"].pop(name))


def test_health_probes_do_not_load_models(proxy: Proxy, model_file: str) -> None:
    name = "never-called-model"
    proxy.edit_registry(lambda d: d["models"].__setitem__(name, {"path": model_file}))
    try:
        proxy.wait_for(lambda: name in proxy.model_ids(), 30, "the route")
        with proxy.http() as http:
            health = http.get("/health", params={"model": name}).json()
        assert health["healthy_count"] >= 1, health
        assert f"loading model '{name}'" not in proxy.log_text()
    finally:
        proxy.edit_registry(lambda d: d["models"].pop(name))


def test_gpu_fallback_to_cpu_is_logged_once(proxy: Proxy, client: openai.OpenAI) -> None:
    client.chat.completions.create(model=DEFAULT, messages=STORY, max_tokens=2)
    assert proxy.log_text().count("device GPU is not available") == 1
