"""The front door guard: ASGI middleware in front of LiteLLM's proxy app.

LiteLLM answers some hostile bodies with a 500 because it fails before any hook of
ours runs (a JSON body that is not an object, `content: 42`, a banned `api_base`
whose rejection trips over the absent database driver). The guard is the earliest
seam we own, so it runs the request checks (request/checks.py) on each inference
request first:

- body size (`general_settings.max_request_size_mb`, LiteLLM's own key, which LiteLLM
  enforces only for enterprise users): 413, decided from Content-Length when given;
- a body that is not a JSON object: 400;
- `board` (boards are declared in the config only) and connection keys (`api_base`,
  `api_key`, `headers`...; LiteLLM's own list plus ours): 400;
- the OpenAI shape of chat and embedding bodies, and the message caps
  (`general_settings.openvino`): 400.

On the way out it keeps model paths in `/model/info` for the master key only and
removes filesystem paths and stack traces from error bodies (proxy/rewrites.py).
Requests it does not refuse pass on with their body untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from ..core.wire import INVALID_KEY
from ..errors import BodyTooLarge, InvalidRequest
from ..keys import key_matches
from ..request.body import off_the_loop, read_capped
from ..request.checks import INFERENCE_ROUTES, Door, check_body, limits_from
from . import internals
from .asgi import (
    ASGIApp,
    EventsRewritten,
    Receive,
    Rewritten,
    Scope,
    Send,
    body_only,
    body_pieces,
    given_key,
    header,
    is_error,
    is_json,
    is_json_ok,
    replay,
    reply,
    route,
)
from .deployments import is_board
from .rewrites import (
    error_response,
    rewrite_json,
    scrub_error_body,
    with_aliases,
    with_facts,
    with_readiness,
    without_paths,
)
from .stream_shape import StreamReshaper, text_completion_id

log = logging.getLogger(__name__)

MODEL_INFO_PATHS = frozenset({"/model/info", "/v1/model/info", "/v2/model/info"})
MODEL_LIST_PATHS = frozenset({"/models", "/v1/models"})


class RequestGuard:
    """`door` (the checks' view of the proxy, per route), `master_key` and `aliases`
    (family name -> variant) default to the running proxy's; tests pass their own."""

    def __init__(
        self,
        app: ASGIApp,
        door: Callable[[str], Door] | None = None,
        master_key: Callable[[], str | None] | None = None,
        aliases: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.app = app
        self._door = door or proxy_door
        self._master_key = master_key or internals.master_key
        self._aliases = aliases or _family_aliases

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope.get("method", "GET"), route(scope)
        send = self._rewrites(scope, method, path, send)
        if method not in ("POST", "PUT", "PATCH") or not is_json(scope):
            await self.app(scope, receive, send)
            return
        if path.endswith(INFERENCE_ROUTES) and not given_key(scope):
            await reply(send, 401, INVALID_KEY, None)  # auth before shape
            return
        body = await self._checked(scope, receive, send, path)
        if body is not None:
            await self.app(scope, replay(body, receive), send)

    def _rewrites(self, scope: Scope, method: str, path: str, send: Send) -> Send:
        """`send` with the response rewrites this request gets (the last wrapped is the
        first to see the response)."""
        if method == "POST" and path.endswith(INFERENCE_ROUTES):
            send = Rewritten(send, is_error, _openai_error).send
            if path.endswith("/completions") and not path.endswith("/chat/completions"):
                send = Rewritten(send, is_json_ok, _completion_id).send
            send = EventsRewritten(send, lambda: StreamReshaper().event).send
            return send
        send = Rewritten(send, is_error, _scrubbed_error).send
        if method == "GET" and path in MODEL_INFO_PATHS and not self._is_master(scope):
            send = Rewritten(send, is_json_ok, body_only(without_paths)).send
        if method == "GET" and path == "/health/readiness":  # pinned models (core/warmup.py)
            send = Rewritten(send, is_json_ok, _readiness).send
        if (
            method == "GET"
            and path == "/health"
            and self._is_master(scope)
            and (facts := health_facts())
        ):
            send = Rewritten(send, is_json_ok, body_only(partial(with_facts, facts=facts))).send
        if method == "GET" and path in MODEL_LIST_PATHS and (aliases := self._aliases()):
            rewrite = body_only(partial(with_aliases, aliases=aliases))
            send = Rewritten(send, is_json_ok, rewrite).send
        return send

    async def _checked(self, scope: Scope, receive: Receive, send: Send, path: str) -> bytes | None:
        """The body, once it passed the checks (None: refused, and answered)."""
        door = self._door(path)
        declared = header(scope, b"content-length")
        try:
            raw = await read_capped(body_pieces(receive), declared, door.limits.max_body_bytes)
            parsed = await off_the_loop(raw, partial(check_body, path, raw, door))
        except (BodyTooLarge, InvalidRequest) as exc:
            await reply(send, exc.status_code, exc.message, exc.param)
            return None
        if parsed is not None:  # LiteLLM reads it instead of parsing the body again
            internals.set_parsed_body(scope, parsed)
        return raw

    def _is_master(self, scope: Scope) -> bool:
        return key_matches(given_key(scope), self._master_key())


def _openai_error(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, encoding: str
) -> tuple[int, bytes]:
    return error_response(status, body, encoding)


def _scrubbed_error(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, encoding: str
) -> tuple[int, bytes]:
    """Outside inference: freed of paths and traces; a missing or wrong key is OpenAI's
    401 (`invalid_api_key`) everywhere."""
    if status == 401:
        return _openai_error(status, headers, body, encoding)
    return status, scrub_error_body(body, encoding)


def _completion_id(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, encoding: str
) -> tuple[int, bytes]:
    if b"text_completion" not in body:  # only text completions are rewritten
        return status, body
    return status, rewrite_json(body, encoding, text_completion_id)


def _family_aliases() -> dict[str, str]:
    from ..core.runtime import get_runtime

    return get_runtime().catalog.registry.aliases


def _readiness(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, encoding: str
) -> tuple[int, bytes]:
    from ..core.warmup import readiness

    return with_readiness(status, body, encoding, *readiness())


def health_facts() -> dict[str, Any]:
    """What /health (and /ov/ps) add to LiteLLM's answer: the other nodes and the
    shared Redis, when there are any."""
    from .node_sync import node_rows
    from .shared_state import redis_health

    facts: dict[str, Any] = {}
    if nodes := node_rows():
        facts["nodes"] = nodes
    if (redis := redis_health()) is not None:
        facts["redis"] = redis
    return facts


def _is_board_name(name: str) -> bool:
    return any(is_board(d) for d in internals.deployments(name))


def proxy_door(path: str) -> Door:
    """The checks' view of the running proxy for a request to `path`."""
    settings = internals.general_settings()

    def litellm_refusal(body: dict[str, Any]) -> str | None:
        return internals.body_refusal(body, path)

    return Door(
        limits=limits_from(settings),
        is_board=_is_board_name,
        litellm_refusal=litellm_refusal,
        client_credentials_allowed=settings.get("allow_client_side_credentials") is True,
    )


def install(app: Any) -> bool:
    """Put the guard in front of `app` (LiteLLM's FastAPI app), once."""
    if getattr(app.state, "ov_request_guard", False):
        return False
    internals.wrap_app(app, RequestGuard)
    app.state.ov_request_guard = True
    log.info("front door guard installed (body caps, request shape, connection keys)")
    return True
