"""The front door guard: ASGI middleware in front of LiteLLM's proxy app.

LiteLLM answers some hostile bodies with a 500 because it fails before any hook of
ours runs (a JSON body that is not an object, `content: 42`, a banned `api_base`
whose rejection trips over the absent database driver). The guard is the earliest
seam we own, so it checks each inference request first:

- body size (`general_settings.max_request_size_mb`, LiteLLM's own key, which LiteLLM
  enforces only for enterprise users): 413, decided from Content-Length when given;
- a body that is not a JSON object: 400;
- `board` (boards are declared in the config only) and connection keys (`api_base`,
  `api_key`, `headers`...; LiteLLM's own list plus ours): 400;
- the OpenAI shape of chat and embedding bodies, and the message caps
  (`general_settings.openvino`): 400.

On the way out it keeps model paths in `/model/info` for the master key only and
removes filesystem paths and stack traces from error bodies. Requests it does not
refuse pass on with their body untouched. Bodies over 256 KB are parsed in a thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any

from ..core.wire import error_json, scrub_error_body, with_aliases, without_paths
from ..errors import BodyTooLarge, InvalidRequest
from ..keys import key_matches
from ..redact import public_message
from ..request.body import read_capped
from ..request.checks import INFERENCE_ROUTES, Door, check_body, limits_from
from . import internals as litellm_proxy
from .auth import MISSING_KEY

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MODEL_INFO_PATHS = frozenset({"/model/info", "/v1/model/info", "/v2/model/info"})
MODEL_LIST_PATHS = frozenset({"/models", "/v1/models"})
_THREAD_BYTES = 256 * 1024


class RequestGuard:
    """`door` (the checks' view of the proxy, per route) and `master_key` default to the
    running LiteLLM proxy's; tests pass their own."""

    def __init__(
        self,
        app: ASGIApp,
        door: Callable[[str], Door] | None = None,
        master_key: Callable[[], str | None] | None = None,
        aliases: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.app = app
        self._door = door or _proxy_door
        self._master_key = master_key or litellm_proxy.master_key
        self._aliases = aliases or _family_aliases

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope.get("method", "GET"), _route(scope)
        send = _Buffered(send, lambda status: status >= 400, scrub_error_body).send
        if method == "GET" and path in MODEL_INFO_PATHS and not self._is_master(scope):
            send = _Buffered(send, lambda status: status == 200, without_paths).send
        if method == "GET" and path in MODEL_LIST_PATHS and (aliases := self._aliases()):
            rewrite = partial(with_aliases, aliases=aliases)
            send = _Buffered(send, lambda status: status == 200, rewrite).send
        if method not in ("POST", "PUT", "PATCH") or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        if path.endswith(INFERENCE_ROUTES) and not _given_key(scope):
            await _reply(send, 401, MISSING_KEY, "Authorization")  # auth before shape
            return
        door = self._door(path)
        declared = _header(scope, b"content-length")
        try:
            body = await read_capped(_body_pieces(receive), declared, door.limits.max_body_bytes)
        except BodyTooLarge as exc:
            await _reply(send, 413, exc.message, exc.param)
            return
        started = time.perf_counter()
        try:
            if len(body) > _THREAD_BYTES:
                parsed = await asyncio.to_thread(check_body, path, body, door)
            else:
                parsed = check_body(path, body, door)
        except InvalidRequest as exc:
            await _reply(send, 400, exc.message, exc.param)
            return
        finally:
            log.debug(
                "checked a %d-byte body in %.1f ms",
                len(body),
                1000 * (time.perf_counter() - started),
            )
        if parsed is not None:  # LiteLLM reads its parsed-body cache instead of parsing again
            scope["parsed_body"] = (tuple(parsed), parsed)
        await self.app(scope, _replay(body, receive), send)

    def _is_master(self, scope: Scope) -> bool:
        master, given = self._master_key(), _given_key(scope)
        return key_matches(given, master)


def _family_aliases() -> dict[str, str]:
    from ..core.runtime import get_runtime

    return get_runtime().catalog.registry.aliases


def _route(scope: Scope) -> str:
    path = str(scope.get("path", "/"))
    root = str(scope.get("root_path", "") or "")
    return path[len(root) :] if root and path.startswith(root) else path


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _is_json(scope: Scope) -> bool:
    kind = _header(scope, b"content-type").lower()
    return not kind or "json" in kind


def _given_key(scope: Scope) -> str:
    for name in (b"authorization", b"x-litellm-api-key", b"api-key", b"x-api-key"):
        given = _header(scope, name).removeprefix("Bearer ").strip()
        if given:
            return given
    return ""


def _proxy_door(path: str) -> Door:
    from litellm.proxy.auth.auth_utils import is_request_body_safe

    settings = litellm_proxy.general_settings()

    def litellm_refusal(body: dict[str, Any]) -> str | None:
        model = body.get("model")
        try:
            is_request_body_safe(
                body,
                settings,
                litellm_proxy.router(),
                model if isinstance(model, str) else "",
                route=path,
            )
        except ValueError as exc:
            return str(exc).split(". ")[0]
        return None

    return Door(
        limits=limits_from(settings),
        model_kind=_model_kind,
        litellm_refusal=litellm_refusal,
        client_credentials_allowed=settings.get("allow_client_side_credentials") is True,
    )


def _model_kind(name: str) -> str | None:
    """The provider of `name`'s first deployment ("board" for a board), if known."""
    found = litellm_proxy.deployments(name)
    model = str((found[0].get("litellm_params") or {}).get("model", "")) if found else ""
    return model.split("/", 1)[0] if "/" in model else None


async def _body_pieces(receive: Receive) -> AsyncIterator[bytes]:
    """The body's pieces as the client sends them."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body"):
            return


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reply(send: Send, status: int, message: str, param: str | None) -> None:
    body = json.dumps(error_json(status, public_message(message), param)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class _Buffered:
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
        if message.get("more_body"):
            return
        start, self._start = self._start, None
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        encoding = next(
            (bytes(v).decode() for k, v in headers if k.lower() == b"content-encoding"), ""
        )
        body = self._rewrite(b"".join(self._parts), encoding)
        headers.append((b"content-length", str(len(body)).encode()))
        await self._send({**start, "headers": headers})
        await self._send({"type": "http.response.body", "body": body, "more_body": False})


def install(app: Any) -> bool:
    """Put the guard in front of `app` (LiteLLM's FastAPI app), once. Config loading
    runs after the app has started, so the built middleware stack is wrapped."""
    if getattr(app.state, "ov_request_guard", False):
        return False
    if app.middleware_stack is None:
        app.add_middleware(RequestGuard)
    else:
        app.middleware_stack = RequestGuard(app.middleware_stack)
    app.state.ov_request_guard = True
    log.info("front door guard installed (body caps, request shape, connection keys)")
    return True
