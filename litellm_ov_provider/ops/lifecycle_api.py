"""Load, unload and list loaded models over HTTP (proxy and ov-llm-server alike).

    GET  /ov/ps                                   loaded models (ov-llm ps)
    POST /ov/load    {"model": ..., "keep_alive": ...}   load (warm) now
    POST /ov/unload  {"model": ...}               unload once its requests finish

Master key (proxy) or OV_API_KEY (node) only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..core.runtime import Runtime
from ..core.wire import INVALID_KEY, error_json, node_error_json
from ..engine.metrics import worker_rss
from ..errors import InvalidRequest, NodeError
from ..keys import key_matches
from ..request.keep_alive import keep_alive_seconds

if TYPE_CHECKING:
    from ..engine.pool import LoadedModel, ModelPool


def key_check(master: Callable[[], str | None]) -> Callable[[Request], bool]:
    """A request check: its bearer key is `master()`."""

    def check(request: Request) -> bool:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return key_matches(given, master())

    return check


def unauthorized() -> JSONResponse:
    body = error_json(401, INVALID_KEY)
    return JSONResponse(body, status_code=401)


def ps(runtime: Runtime) -> list[dict[str, Any]]:
    pool = runtime.pool
    return [
        ps_row(name, m, pool, worker_rss(m.engine.pid))
        for name, m in sorted(pool.loaded().items())
        if m.usable
    ]


def build(
    runtime: Callable[[], Runtime],
    authorized: Callable[[Request], bool],
    more: Callable[[], dict[str, Any]] = dict,
) -> APIRouter:
    """The routes; `more` adds to /ov/ps (a front door's other nodes)."""
    api = APIRouter()

    def refused(request: Request) -> JSONResponse | None:
        return None if authorized(request) else unauthorized()

    async def named(request: Request) -> tuple[str, dict[str, Any]]:
        try:
            body = await request.json()
        except ValueError as exc:
            raise InvalidRequest("the body is not valid JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            raise InvalidRequest('send {"model": "<registry name>"}', param="model")
        return body["model"], body

    def failed(exc: NodeError) -> JSONResponse:
        return JSONResponse(node_error_json(exc), status_code=exc.status_code)

    @api.get("/ov/ps", include_in_schema=False)
    async def list_loaded(request: Request) -> Any:
        return refused(request) or {"models": ps(runtime()), **more()}

    @api.post("/ov/load", include_in_schema=False)
    async def load(request: Request) -> Any:
        if (no := refused(request)) is not None:
            return no
        try:
            name, body = await named(request)
            keep = keep_alive_seconds(body.get("keep_alive"))
            rt = runtime()
            model = await rt.resolve(name, None)  # a family name loads its variant
            await rt.pool.load(model, keep)
        except NodeError as exc:
            return failed(exc)
        loaded = rt.pool.is_loaded(model.name)  # keep_alive 0: loaded, then unloaded
        return {"model": model.name, "loaded": loaded, "models": ps(rt)}

    @api.post("/ov/unload", include_in_schema=False)
    async def unload(request: Request) -> Any:
        if (no := refused(request)) is not None:
            return no
        rt = runtime()
        try:
            name, _ = await named(request)
            if not rt.pool.is_loaded(name):  # a family name, or 404 for an unknown one
                name = (await rt.resolve(name, None)).name
        except NodeError as exc:
            return failed(exc)
        was = rt.pool.is_loaded(name)
        rt.pool.retire(name)  # stops once its requests finish, never under them
        return {"model": name, "unloaded": was}

    return api


def ps_row(name: str, loaded: LoadedModel, pool: ModelPool, rss: float | None) -> dict[str, Any]:
    """One loaded model, as `ov-llm ps` shows it."""
    now = time.time()
    at = pool.unloads_at(loaded)
    if loaded.in_flight:
        unloads = "after its requests" if loaded.keep_alive == 0 else "busy"
    else:
        unloads = "never" if at is None else "now" if at <= now else f"in {at - now:.0f} s"
        unloads = "never (pinned)" if pool.is_pinned(name) else unloads
    return {
        "model": name,
        "device": loaded.info.device,
        "memory_bytes": int(rss) if rss is not None else None,
        "in_flight": loaded.in_flight,
        "waiting": loaded.admission.waiting,
        "idle_seconds": 0.0 if loaded.in_flight else round(now - loaded.last_used, 1),
        "keep_alive": pool.ttl(loaded),  # None: until the loaded-model cap needs room
        "unloads_at": at if not loaded.in_flight else None,
        "unloads": unloads,
        "pinned": pool.is_pinned(name),
        "engine": dict(loaded.engine.spec.properties),
        "tuning": loaded.engine.spec.tuning,
    }
