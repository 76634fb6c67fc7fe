"""Attacks and accidents, on a real proxy with real workers.

One proxy with a short stall limit and a small admission queue, a board with a
"remote" specialist whose stored key must never leave, and a capture listener on
127.0.0.1 that records every connection a request might make the proxy open. Every
test ends with a normal request that must succeed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
from testbed.boards import board_entry, remote_entry, write_config
from testbed.models import DEFAULT, place_model
from testbed.proxy import KEY, Proxy, free_port, start_proxy
from tests.e2e.conftest import cli

REMOTE_KEY = "sk-remote-node-secret-0123456789abcdef"
HI = [{"role": "user", "content": "Say hi."}]
STORY = [{"role": "user", "content": "Tell me a long story about a lighthouse."}]


class Capture:
    """A TCP listener that records whatever connects to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.seen: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                self.seen.append(conn.recv(65536))
            except OSError:
                self.seen.append(b"")
            conn.close()


class Bed:
    def __init__(self, proxy: Proxy, capture: Capture, model_file: str) -> None:
        self.proxy, self.capture, self.model_file = proxy, capture, model_file
        self.client = openai.OpenAI(
            base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0, timeout=120
        )

    @property
    def aclient(self) -> openai.AsyncOpenAI:
        """A new async client: each asyncio.run() has its own event loop."""
        return openai.AsyncOpenAI(
            base_url=f"{self.proxy.base_url}/v1", api_key=KEY, max_retries=0, timeout=120
        )

    def answers(self, model: str = DEFAULT) -> None:
        """A normal request succeeds."""
        r = self.client.chat.completions.create(model=model, messages=HI, max_tokens=8)
        assert r.choices[0].message.content

    def worker_pid(self) -> int:
        workers = self.proxy.workers(DEFAULT)
        assert len(workers) == 1, workers
        return workers[0].pid


@pytest.fixture(scope="module")
def bed(models_root: Path, model_file: str) -> Iterator[Bed]:
    root = models_root / "faults"
    root.mkdir(exist_ok=True)
    capture = Capture()
    entries = [
        remote_entry("heavy", DEFAULT, f"http://127.0.0.1:{free_port()}/v1", REMOTE_KEY, 5),
        board_entry(
            "board/remote",
            {"strategy": "fallback", "specialists": [{"model": "heavy"}, {"model": DEFAULT}]},
        ),
    ]
    env = {
        "OV_MODELS_ROOT": str(models_root),
        "OV_WORKER_STALL_SECONDS": "3",
        "OV_MAX_BATCH": "2",
        "OV_MAX_QUEUE": "1",
        "HEAVY_NODE_KEY": REMOTE_KEY,
    }
    entry = default_entry(default_model_spec(), Path(model_file))
    config = write_config(root / "litellm.yaml", entries)
    proxy = start_proxy(root, {DEFAULT: entry}, env=env, config=config)
    yield Bed(proxy, capture, model_file)
    proxy.stop()
    capture.sock.close()


def raw_post(proxy: Proxy, body: Any) -> httpx.Response:
    with proxy.http() as http:
        return http.post("/v1/chat/completions", json=body)


def test_no_request_makes_the_proxy_contact_an_address_the_client_named(bed: Bed) -> None:
    at = bed.capture.url
    hostile: list[dict[str, Any]] = [
        {
            "board": {
                "strategy": "fallback",
                "specialists": [{"model": "heavy", "params": {"api_base": at}}],
            }
        },
        {"board": {"specialists": []}},
        {"specialists": [{"model": "heavy"}]},
        {"api_base": f"{at}/v1"},
        {"base_url": f"{at}/v1"},
        {"api_key": "sk-mine"},
        {"extra_body": {"api_base": f"{at}/v1"}},
        {"metadata": {"api_base": f"{at}/v1"}},
        {"fallbacks": [{"model": "heavy", "api_base": f"{at}/v1"}]},
        {"headers": {"Host": "evil"}},
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "x",
                    "schema": {"$schema": f"{at}/schema", "type": "object"},
                },
            }
        },
    ]
    for model in ("board/remote", "heavy", DEFAULT):
        for extra in hostile:
            if "specialists" in extra and model != "board/remote":
                continue  # a part of a board means nothing to a plain model
            r = raw_post(bed.proxy, {"model": model, "messages": HI, **extra})
            assert r.status_code == 400, (model, extra, r.text)
            assert "error" in r.json() and REMOTE_KEY not in r.text
    assert bed.capture.seen == []
    board = bed.client.chat.completions.create(model="board/remote", messages=HI, max_tokens=8)
    assert board.choices[0].message.content  # "heavy" is down; the local model answers
    assert bed.capture.seen == []


def _schemas() -> list[tuple[dict[str, Any], str]]:
    """Schemas that pass JSON-Schema validation but that the grammar engine rejects,
    or cannot compile in about a second, each with what the 400 must name. (A single
    maxLength of 10**6 took GenAI's JSON-schema grammar 2 s; the compact grammar
    compiles it in 10 ms: test_a_huge_length_bound_is_served_through_the_compact_grammar.
    400 properties with maxLength 500 take it about 5 s.)"""
    many = [
        {"type": "object", "properties": {f"k{i}": {"type": "string", "maxLength": 500}}}
        for i in range(400)
    ]
    return [
        (
            {"type": "object", "properties": {"a": {"type": "string", "pattern": "(?<=a)b"}}},
            "Lookbehind",
        ),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/nope"}}}, "nope"),
        ({"anyOf": many}, "maxLength = 500"),
    ]


def test_hostile_schemas_fail_alone_beside_a_running_stream(bed: Bed) -> None:
    bed.answers()
    pid = bed.worker_pid()

    async def scenario() -> tuple[int, str | None, list[str]]:
        client = bed.aclient
        stream = await client.chat.completions.create(
            model=DEFAULT,
            messages=STORY,
            max_tokens=160,
            stream=True,
            extra_body={"ignore_eos": True},
        )
        errors: list[str] = []

        async def hostile() -> None:
            for schema, construct in _schemas():
                for kind in ("response_format", "tool"):
                    extra: dict[str, Any] = (
                        {
                            "response_format": {
                                "type": "json_schema",
                                "json_schema": {"name": "x", "schema": schema},
                            }
                        }
                        if kind == "response_format"
                        else {
                            "tools": [
                                {
                                    "type": "function",
                                    "function": {"name": "f", "parameters": schema},
                                }
                            ],
                            "tool_choice": "required",
                        }
                    )
                    try:
                        await client.chat.completions.create(
                            model=DEFAULT, messages=HI, max_tokens=8, **extra
                        )
                        errors.append(f"{construct} ({kind}) was accepted")
                    except openai.BadRequestError as exc:
                        if construct not in str(exc.body):
                            errors.append(f"{construct} ({kind}): {exc.body}")

        checker = asyncio.create_task(hostile())
        chunks, finish = 0, None
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                chunks += 1
            if chunk.choices and chunk.choices[0].finish_reason:
                finish = chunk.choices[0].finish_reason
        await checker
        return chunks, finish, errors

    chunks, finish, errors = asyncio.run(scenario())
    assert errors == []
    assert finish == "length" and chunks > 100
    assert bed.worker_pid() == pid, "the model's worker was replaced"
    bed.answers()


def test_a_stopped_worker_fails_its_requests_and_is_replaced(bed: Bed) -> None:
    bed.answers()
    pid = bed.worker_pid()
    before = bed.proxy.model_info(DEFAULT)["restarts"]

    async def scenario() -> tuple[Any, Any]:
        client = bed.aclient

        async def unary() -> Any:
            try:
                return await client.chat.completions.create(
                    model=DEFAULT,
                    messages=STORY,
                    max_tokens=300,
                    extra_body={"ignore_eos": True},
                )
            except openai.APIStatusError as exc:
                return exc

        async def stream() -> Any:
            got = 0
            try:
                s = await client.chat.completions.create(
                    model=DEFAULT,
                    messages=STORY,
                    max_tokens=300,
                    stream=True,
                    extra_body={"ignore_eos": True},
                )
                async for chunk in s:
                    got += bool(chunk.choices and chunk.choices[0].delta.content)
                    if got == 5:
                        os.kill(pid, signal.SIGSTOP)
            except openai.APIError as exc:
                return exc
            return got

        return tuple(await asyncio.gather(unary(), stream()))  # type: ignore[return-value]

    try:
        unary, stream = asyncio.run(scenario())
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)  # if the watchdog did not kill it, let it go on
    assert isinstance(unary, openai.APIStatusError) and unary.status_code == 503, unary
    assert "stopped making progress" in str(unary.body)
    assert isinstance(stream, openai.APIError) and "stopped making progress" in str(stream)
    bed.answers()
    assert bed.worker_pid() != pid
    bed.proxy.wait_for(
        lambda: bed.proxy.model_info(DEFAULT)["restarts"] == before + 1, 30, "restarts counted"
    )
    assert "made no progress" in bed.proxy.log_text()


def test_a_killed_worker_fails_a_stream_and_a_unary_request_is_served_again(bed: Bed) -> None:
    bed.answers()
    pid = bed.worker_pid()
    got = 0
    with pytest.raises(openai.APIError):
        stream = bed.client.chat.completions.create(
            model=DEFAULT,
            messages=STORY,
            max_tokens=300,
            stream=True,
            extra_body={"ignore_eos": True},
        )
        for chunk in stream:
            got += bool(chunk.choices and chunk.choices[0].delta.content)
            if got == 5:
                os.kill(pid, signal.SIGKILL)
    bed.answers()

    pid = bed.worker_pid()
    threading.Timer(1.0, os.kill, (pid, signal.SIGKILL)).start()
    r = bed.client.chat.completions.create(
        model=DEFAULT, messages=STORY, max_tokens=500, extra_body={"ignore_eos": True}
    )
    assert r.usage is not None and r.usage.completion_tokens == 500  # tried once more
    assert bed.worker_pid() != pid


def test_requests_past_the_queue_are_refused_with_retry_after(bed: Bed) -> None:
    bed.answers()  # loaded: the requests below start together

    async def scenario() -> list[Any]:
        client = bed.aclient

        async def one() -> Any:
            try:
                return await client.chat.completions.with_raw_response.create(
                    model=DEFAULT,
                    messages=STORY,
                    max_tokens=120,
                    extra_body={"ignore_eos": True},
                )
            except openai.APIStatusError as exc:
                return exc

        return await asyncio.gather(*[one() for _ in range(6)])

    results = asyncio.run(scenario())
    refused = [r for r in results if isinstance(r, openai.APIStatusError)]
    served = [r for r in results if not isinstance(r, openai.APIStatusError)]
    assert refused and all(r.status_code == 503 for r in refused), refused
    assert all(r.response.headers.get("retry-after") for r in refused)
    assert "OV_MAX_QUEUE" in str(refused[0].body)
    assert len(served) >= 3 and all(r.parse().usage.completion_tokens == 120 for r in served)
    bed.answers()


def test_a_poisoned_registry_leaves_every_good_entry_serving(bed: Bed, models_root: Path) -> None:
    conv = bed.proxy.registry.parent
    gguf = Path(bed.model_file)
    head = gguf.read_bytes()[:4096]
    (conv / "cut.gguf").write_bytes(head)
    (conv / "loop").unlink(missing_ok=True)
    (conv / "loop").symlink_to(conv / "loop")
    bad_ir = conv / "bad-ir"
    bad_ir.mkdir(exist_ok=True)
    (bad_ir / "openvino_model.xml").write_text("<this is not a model")
    fresh = place_model(gguf, models_root, "fresh")
    entry = default_entry(default_model_spec(), gguf)
    poison = {
        "fresh": {**entry, "path": fresh},
        "nouser": {**entry, "path": "~nosuchuser-ov/m.gguf"},
        "loop": {**entry, "path": "loop"},
        "cut": {**entry, "path": "cut.gguf"},
        "bad-ir": {"path": "bad-ir", "task": "text-generation-with-past"},
    }
    bed.proxy.edit_registry(lambda d: d["models"].update(poison))
    try:
        bed.proxy.wait_for(lambda: "fresh" in bed.proxy.model_ids(), 30, "the good new entry")
        for name in ("nouser", "loop", "cut"):
            info = bed.proxy.model_info(name)
            assert info["status"] == "broken" and "/" not in info["error"], info
            with pytest.raises(openai.APIStatusError) as refused:
                bed.client.chat.completions.create(model=name, messages=HI, max_tokens=4)
            assert refused.value.status_code == 503 and repr(name) in str(refused.value.body)
            assert str(models_root) not in str(refused.value.body)
        with pytest.raises(openai.APIStatusError) as failed:
            bed.client.chat.completions.create(model="bad-ir", messages=HI, max_tokens=4)
        body = str(failed.value.body)
        assert failed.value.status_code == 503 and "failed to load" in body, body
        assert str(models_root) not in body and "/tmp/" not in body and "Traceback" not in body
        env = {"OV_MODELS_ROOT": str(models_root)}
        listed = cli(bed.proxy, "list", "--json", "--node", bed.proxy.base_url, env=env)
        rows = {r["name"]: r for r in json.loads(listed.stdout)}
        assert rows["loop"]["status"].startswith("broken") and rows["fresh"]["status"] == "ready"
        bed.answers("fresh")
    finally:
        bed.proxy.edit_registry(lambda d: [d["models"].pop(k, None) for k in poison])
    bed.answers()


def test_workers_get_no_secrets(bed: Bed) -> None:
    bed.answers()
    environ = Path(f"/proc/{bed.worker_pid()}/environ").read_bytes().split(b"\0")
    names = {item.split(b"=", 1)[0].decode() for item in environ if item}
    assert not {"LITELLM_MASTER_KEY", "HEAVY_NODE_KEY"} & names  # DATABASE_URL: unit test
    assert "OV_REGISTRY_PATH" in names
