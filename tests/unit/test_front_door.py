"""The front door guard over a fake downstream app: what it refuses, what it passes on
untouched, and what it rewrites on the way out."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from litellm_ov_provider.proxy.front_door import RequestGuard
from litellm_ov_provider.request.body import depth
from litellm_ov_provider.request.checks import Door, Limits, limits_from

KEY = "sk-master"
HI = [{"role": "user", "content": "hi"}]


class Downstream:
    """Records what reached it and answers with a canned response."""

    def __init__(self, status: int = 200, body: Any = None, encoding: str = "") -> None:
        self.status, self.encoding = status, encoding
        self.body = body if body is not None else {"ok": True}
        self.seen: list[tuple[dict[str, Any], bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.seen.append((scope, raw))
        payload = json.dumps(self.body).encode()
        headers = [(b"content-type", b"application/json")]
        if self.encoding == "gzip":
            payload = gzip.compress(payload)
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


DEFAULT_LIMITS = Limits()


def door(_path: str, limits: Limits = DEFAULT_LIMITS, kinds: dict[str, str] | None = None) -> Door:
    def litellm_refusal(body: dict[str, Any]) -> str | None:
        return "Rejected Request: api_base is not allowed" if "api_base" in body else None

    return Door(limits, lambda name: (kinds or {}).get(name), litellm_refusal)


async def call(
    guard: RequestGuard,
    path: str,
    body: bytes | Any = None,
    *,
    method: str = "POST",
    key: str | None = KEY,
    chunks: int = 1,
    declared: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body else b""
    headers = [(b"content-type", b"application/json")]
    if key:
        headers.append((b"authorization", f"Bearer {key}".encode()))
    if declared:
        headers.append((b"content-length", str(len(raw)).encode()))
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    size = max(1, len(raw) // chunks)
    pieces = [raw[i : i + size] for i in range(0, len(raw), size)] or [b""]
    messages = [
        {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
        for i, p in enumerate(pieces)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await guard(scope, receive, send)
    start = sent[0]
    got = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], got, b"".join(m.get("body", b"") for m in sent[1:])


def guard_over(app: Downstream, **kinds: str) -> RequestGuard:
    return RequestGuard(app, lambda path: door(path, kinds=kinds), lambda: KEY)


@pytest.mark.parametrize("body", [b"[]", b"42", b"null", b'"text"'])
async def test_a_body_that_is_not_an_object_is_a_400(body: bytes) -> None:
    app = Downstream()
    status, _, out = await call(guard_over(app), "/v1/chat/completions", body)
    error = json.loads(out)["error"]
    assert status == 400 and error["type"] == "invalid_request_error"
    assert "JSON object" in error["message"] and app.seen == []


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"board": {"strategy": "moa"}}, "board"),
        ({"api_base": "http://127.0.0.1:9"}, None),
        ({"api_key": "theirs"}, "api_key"),
        ({"headers": {"Authorization": "x"}}, "headers"),
        ({"messages": [{"role": "user", "content": 42}]}, "messages[0].content"),
        ({"stream": "yes"}, "stream"),
        ({"seed": 2**64}, "seed"),
    ],
)
async def test_steering_or_malformed_chat_bodies_are_400s(
    extra: dict[str, Any], param: str | None
) -> None:
    app = Downstream()
    body = {"model": "m", "messages": HI, **extra}
    status, _, out = await call(guard_over(app), "/v1/chat/completions", body)
    assert status == 400 and json.loads(out)["error"]["param"] == param and app.seen == []


async def test_parts_of_a_board_are_refused_for_board_models_only() -> None:
    app = Downstream()
    guard = guard_over(app, **{"board/auto": "board"})
    body = {"model": "board/auto", "messages": HI, "specialists": []}
    status, _, out = await call(guard, "/v1/chat/completions", body)
    assert status == 400 and "declared in the proxy config" in json.loads(out)["error"]["message"]
    status, _, _ = await call(guard, "/v1/chat/completions", {**body, "model": "plain"})
    assert status == 200


async def test_a_good_body_passes_untouched_and_seeds_the_parse_cache() -> None:
    app = Downstream()
    body = {"model": "m", "messages": HI, "ignore_eos": True, "keep_alive": -1, "metadata": {}}
    raw = json.dumps(body).encode()
    status, _, _ = await call(guard_over(app), "/v1/chat/completions", raw, chunks=3)
    scope, seen = app.seen[0]
    assert status == 200 and seen == raw
    assert scope["parsed_body"] == (tuple(body), body)


async def test_a_body_past_the_size_cap_is_a_413_with_or_without_content_length() -> None:
    app = Downstream()
    small = Limits(max_body_bytes=1000)
    guard = RequestGuard(app, lambda path: door(path, small), lambda: KEY)
    body = {"model": "m", "messages": [{"role": "user", "content": "x" * 2000}]}
    for declared in (True, False):
        status, _, out = await call(
            guard, "/v1/chat/completions", body, declared=declared, chunks=4
        )
        assert status == 413 and json.loads(out)["error"]["type"] == "invalid_request_error"
    assert app.seen == []


async def test_message_caps_from_the_config() -> None:
    limits = limits_from({"max_request_size_mb": 1, "openvino": {"max_messages": 2}})
    assert limits.max_body_bytes == 2**20 and limits.max_messages == 2
    guard = RequestGuard(Downstream(), lambda path: door(path, limits), lambda: KEY)
    status, _, out = await call(guard, "/v1/chat/completions", {"model": "m", "messages": HI * 3})
    assert status == 400 and json.loads(out)["error"]["param"] == "messages"


async def test_no_key_is_a_401_before_the_body_is_looked_at() -> None:
    status, _, _ = await call(guard_over(Downstream()), "/v1/chat/completions", b"[]", key=None)
    assert status == 401


async def test_deep_bodies_are_refused() -> None:
    nested: Any = "x"
    for _ in range(100):
        nested = [nested]
    body = {"model": "m", "messages": HI, "metadata": {"deep": nested}}
    status, _, out = await call(guard_over(Downstream()), "/v1/chat/completions", body)
    assert status == 400 and "nested" in json.loads(out)["error"]["message"]
    assert depth({"a": [[1]]}) == 3


@pytest.mark.parametrize("encoding", ["", "gzip"])
async def test_error_bodies_lose_paths_and_stack_traces(encoding: str) -> None:
    message = (
        "boom at /home/me/models/x.gguf\nTraceback (most recent call last):\n"
        '  File "/work/x.py", line 1, in f\nValueError: secret'
    )
    app = Downstream(500, {"error": {"message": message, "code": "500"}}, encoding)
    status, headers, out = await call(
        guard_over(app), "/v1/chat/completions", {"model": "m", "messages": HI}
    )
    text = gzip.decompress(out) if encoding else out
    error = json.loads(text)["error"]
    assert status == 500 and int(headers["content-length"]) == len(out)
    assert error["message"] == "boom at <path>"


async def test_model_paths_are_shown_to_the_master_key_only() -> None:
    listing = {"data": [{"model_name": "m", "model_info": {"path": "/home/x", "mode": "chat"}}]}
    for key, has_path in ((KEY, True), ("sk-virtual", False)):
        guard = guard_over(Downstream(body=listing))
        _, _, out = await call(guard, "/v1/model/info", method="GET", key=key)
        info = json.loads(out)["data"][0]["model_info"]
        assert ("path" in info) is has_path and info["mode"] == "chat"
