"""ASGI plumbing for the front door guard: reading a request's headers and body,
replaying the body to the app, answering, and rewriting a response on its way out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from ..core.wire import error_json
from ..redact import public_message

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def route(scope: Scope) -> str:
    """The request's path below the app's root path."""
    path = str(scope.get("path", "/"))
    root = str(scope.get("root_path", "") or "")
    return path[len(root) :] if root and path.startswith(root) else path


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def is_json(scope: Scope) -> bool:
    kind = header(scope, b"content-type").lower()
    return not kind or "json" in kind


def given_key(scope: Scope) -> str:
    """The API key a client sent, in any of the headers LiteLLM reads."""
    for name in (b"authorization", b"x-litellm-api-key", b"api-key", b"x-api-key"):
        given = header(scope, name).removeprefix("Bearer ").strip()
        if given:
            return given
    return ""


async def body_pieces(receive: Receive) -> AsyncIterator[bytes]:
    """The body's pieces as the client sends them."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body"):
            return


def replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the app: the body read already, then whatever comes next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def reply(send: Send, status: int, message: str, param: str | None) -> None:
    """An OpenAI error body with `status`."""
    body = json.dumps(error_json(status, public_message(message), param)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class Rewritten:
    """Holds a response whose status `wants` a rewrite, then sends the rewritten body."""

    def __init__(
        self, send: Send, wants: Callable[[int], bool], rewrite: Callable[[bytes, str], bytes]
    ) -> None:
        self._send, self._wants, self._rewrite = send, wants, rewrite
        self._start: Message | None = None
        self._parts: list[bytes] = []

    async def send(self, message: Message) -> None:
        start = message["type"] == "http.response.start"
        if start and self._wants(int(message.get("status", 200))):
            self._start = message
            return
        if self._start is None or message["type"] != "http.response.body":
            await self._send(message)
            return
        self._parts.append(message.get("body", b""))
        if not message.get("more_body"):
            await self._flush()

    async def _flush(self) -> None:
        start, self._start = self._start, None
        assert start is not None
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        encoding = next(
            (bytes(v).decode() for k, v in headers if k.lower() == b"content-encoding"), ""
        )
        body = self._rewrite(b"".join(self._parts), encoding)
        headers.append((b"content-length", str(len(body)).encode()))
        await self._send({**start, "headers": headers})
        await self._send({"type": "http.response.body", "body": body, "more_body": False})
