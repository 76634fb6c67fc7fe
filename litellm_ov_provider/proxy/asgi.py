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


Rewrite = Callable[[int, list[tuple[bytes, bytes]], bytes, str], tuple[int, bytes]]


def body_only(rewrite: Callable[[bytes, str], bytes]) -> Rewrite:
    """A rewrite of the body alone (its status and headers as they are)."""
    return lambda status, headers, body, encoding: (status, rewrite(body, encoding))


def content_type(message: Message) -> str:
    for key, value in message.get("headers", []):
        if key.lower() == b"content-type":
            return bytes(value).decode("latin-1").lower()
    return ""


def is_error(status: int, kind: str) -> bool:
    return status >= 400


def is_json_ok(status: int, kind: str) -> bool:
    """A whole JSON answer (never a stream: a stream must pass as it comes)."""
    return status == 200 and "json" in kind


class Rewritten:
    """Holds a response that `wants` (status, content type) a rewrite, then sends the
    rewritten one (whose status may change)."""

    def __init__(self, send: Send, wants: Callable[[int, str], bool], rewrite: Rewrite) -> None:
        self._send, self._wants, self._rewrite = send, wants, rewrite
        self._start: Message | None = None
        self._parts: list[bytes] = []

    async def send(self, message: Message) -> None:
        start = message["type"] == "http.response.start"
        if start and self._wants(int(message.get("status", 200)), content_type(message)):
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
        headers = list(start.get("headers", []))
        encoding = next(
            (bytes(v).decode() for k, v in headers if k.lower() == b"content-encoding"), ""
        )
        status = int(start.get("status", 200))
        status, body = self._rewrite(status, headers, b"".join(self._parts), encoding)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self._send({**start, "status": status, "headers": headers})
        await self._send({"type": "http.response.body", "body": body, "more_body": False})


class EventsRewritten:
    """Rewrites each `data:` event of a 200 server-sent-events response as it passes;
    `events()` gives the rewrite for one stream (JSON object in, JSON objects out)."""

    def __init__(
        self, send: Send, events: Callable[[], Callable[[dict[str, Any]], list[dict[str, Any]]]]
    ) -> None:
        self._send, self._events = send, events
        self._rewrite: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
        self._buffer = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            kind = next(
                (bytes(v) for k, v in message.get("headers", []) if k.lower() == b"content-type"),
                b"",
            )
            if int(message.get("status", 200)) == 200 and kind.startswith(b"text/event-stream"):
                self._rewrite = self._events()
        elif message["type"] == "http.response.body" and self._rewrite is not None:
            self._buffer += message.get("body", b"")
            done = not message.get("more_body")
            events, _, self._buffer = self._buffer.rpartition(b"\n\n")
            if done:
                events, self._buffer = events + b"\n\n" + self._buffer, b""
            body = b"".join(self._event(e) for e in events.split(b"\n\n") if e.strip())
            if not body and not done:
                return
            message = {**message, "body": body}
        await self._send(message)

    def _event(self, event: bytes) -> bytes:
        assert self._rewrite is not None
        lines = []
        for line in event.split(b"\n"):
            data = line.removeprefix(b"data: ") if line.startswith(b"data: ") else None
            if data is None or data.strip() == b"[DONE]":
                lines.append(line)
                continue
            try:
                parsed = json.loads(data)
            except ValueError:
                lines.append(line)
                continue
            if not isinstance(parsed, dict):
                lines.append(line)
                continue
            for out in self._rewrite(parsed):
                compact = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
                lines.append(b"data: " + compact.encode())
        return b"\n\n".join(lines) + b"\n\n"
