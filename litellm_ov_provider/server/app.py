"""The standalone node's HTTP surface: thin routes over the node core (chat, embeddings,
the pool and registry the proxy serves too), its results written as OpenAI's JSON
(core/wire.py). No LiteLLM here."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.types import ASGIApp, Receive, Scope, Send

from ..core import chat, embeddings
from ..core.cards import fingerprint, listed_models
from ..core.runtime import RequestContext, Runtime, freeze_startup_heap
from ..core.types import Chunk, completion_id
from ..core.warmup import readiness, warm_pinned
from ..core.wire import ChunkWriter, completion_json, embeddings_json, error_json, node_error_json
from ..engine import metrics
from ..errors import NodeError
from ..ops import lifecycle_api
from ..proxy.envelope import SEAL_HEADER, sealed
from ..registry.catalog import watch
from ..registry.device import resolve_device
from ..request.body import off_the_loop, read_capped
from ..request.checks import MB, Door, Limits, checked_body
from ..request.embedding import EMBEDDING_PARAMS

log = logging.getLogger("litellm_ov_provider.server")
OPEN_PATHS = frozenset({"/health", "/health/liveliness", "/health/readiness"})
KeyCheck = Callable[[Request], bool]


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(title="ov-llm-server", lifespan=_lifespan(runtime), docs_url=None, redoc_url=None)
    metrics.register(lambda: runtime)
    # /ov/ps, /ov/load, /ov/unload; the key is checked by the middleware below.
    app.include_router(lifecycle_api.build(lambda: runtime, lambda _: True))
    key = runtime.settings.api_key.get_secret_value() if runtime.settings.api_key else None
    keyed = lifecycle_api.key_check(lambda: key)
    _guard(app, keyed if key is not None else None)
    door = Door.node(Limits(max_body_bytes=int(runtime.settings.max_request_mb * MB)))
    _inference_routes(app, runtime, door)
    _info_routes(app, runtime, keyed if key is not None else None)
    return app


def _lifespan(runtime: Runtime) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(watch(runtime.catalog, runtime.settings.registry_poll_seconds)),
            asyncio.create_task(runtime.pool.run_reaper()),
            asyncio.create_task(warm_pinned(runtime)),
        ]
        freeze_startup_heap()
        yield
        for task in tasks:
            task.cancel()
        runtime.pool.close_all()

    return lifespan


class KeyGuard:
    """The key on every path but the open ones. Plain ASGI, not Starlette's
    BaseHTTPMiddleware, which relays every streamed chunk through a task and a
    memory stream of its own (bench/stream_cost.py measured it)."""

    def __init__(self, app: ASGIApp, keyed: KeyCheck) -> None:
        self._app, self._keyed = app, keyed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] == "http" and scope["path"] not in OPEN_PATHS
        if guarded and not self._keyed(Request(scope)):
            await lifecycle_api.unauthorized()(scope, receive, send)
            return
        await self._app(scope, receive, send)


def _guard(app: FastAPI, keyed: KeyCheck | None) -> None:
    """The key on every path but the open ones; errors as OpenAI's error bodies."""
    if keyed is not None:
        app.add_middleware(KeyGuard, keyed=keyed)

    @app.exception_handler(NodeError)
    async def node_error(request: Request, exc: NodeError) -> JSONResponse:
        body = node_error_json(exc)
        if request.headers.get(SEAL_HEADER) == "1":  # a front door's request (mesh/)
            error = body["error"]
            error["message"] = sealed(error["message"], error)
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        body = error_json(500, "internal error (see the node's log)", kind="internal_error")
        return JSONResponse(body, status_code=500)


async def _body_of(request: Request, door: Door) -> tuple[dict[str, Any], RequestContext]:
    """The checked body (the front door's checks) and who asked."""
    declared = request.headers.get("content-length", "")
    raw = await read_capped(request.stream(), declared, door.limits.max_body_bytes)
    body = await off_the_loop(raw, partial(checked_body, request.url.path, raw, door))
    rid = request.headers.get("x-request-id") or uuid.uuid4().hex
    client = request.client.host if request.client else "-"
    return body, RequestContext(rid, client)


def _inference_routes(app: FastAPI, runtime: Runtime, door: Door) -> None:
    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        body, ctx = await _body_of(request, door)
        model, messages = body["model"], body.get("messages")
        params = {k: v for k, v in body.items() if k not in ("model", "messages")}
        headers = {"x-request-id": ctx.request_id}
        if not body.get("stream"):
            result = await chat.complete(runtime, model, messages, params, ctx)
            return JSONResponse(completion_json(result), headers=headers)
        stream = await chat.open_stream(runtime, model, messages, params, ctx)
        include_usage = bool((params.get("stream_options") or {}).get("include_usage"))
        writer = ChunkWriter(
            model, completion_id(), int(time.time()), include_usage, fingerprint(runtime, model)
        )
        events = _events(stream, writer)
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)

    @app.post("/v1/embeddings")
    async def create_embeddings(request: Request) -> JSONResponse:
        body, ctx = await _body_of(request, door)
        params = {k: v for k, v in body.items() if k in EMBEDDING_PARAMS}
        result = await embeddings.embed(runtime, body["model"], body.get("input"), params, ctx)
        return JSONResponse(embeddings_json(result), headers={"x-request-id": ctx.request_id})


async def _events(stream: AsyncIterator[Chunk], writer: ChunkWriter) -> AsyncIterator[str]:
    try:
        async for chunk in stream:
            yield writer.event(chunk)
        yield ChunkWriter.DONE
    except NodeError as exc:
        yield ChunkWriter.error(exc)
    finally:
        await stream.aclose()  # type: ignore[attr-defined]


def _info_routes(app: FastAPI, runtime: Runtime, keyed: KeyCheck | None) -> None:
    @app.get("/v1/models")
    async def list_models() -> dict[str, Any]:
        return {"object": "list", "data": await asyncio.to_thread(listed_models, runtime)}

    @app.get("/health")
    async def health(request: Request) -> dict[str, Any]:
        """Status for anyone; the details (paths, models, processes) with the key."""
        if keyed is not None and not keyed(request):
            return {"status": "ok"}
        return {"status": "ok", **_details(runtime)}

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        """The same ov_* engine metrics as the proxy's /metrics (behind the key)."""
        body = await asyncio.to_thread(generate_latest, REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/health/liveliness")
    async def liveliness() -> str:
        return "I'm alive!"

    @app.get("/health/readiness")
    async def readiness_endpoint() -> JSONResponse:
        """503 while a pinned model is still loading (OV_PINNED_MODELS), then 200."""
        ready, counts = readiness()
        body = {"status": "ready" if ready else "loading", "pinned_models": counts}
        return JSONResponse(body, status_code=200 if ready else 503)


def _details(runtime: Runtime) -> dict[str, Any]:
    pool, registry = runtime.pool, runtime.catalog.registry
    return {
        "device": resolve_device(runtime.settings.device),
        "registry_path": str(runtime.settings.registry_path),
        "registry_count": len(registry.models),
        "loaded": [
            {
                "name": name,
                "device": m.info.device,
                "in_flight": m.in_flight,
                "last_used": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(m.last_used)),
                "idle_seconds": round(time.time() - m.last_used, 1),
                "pid": m.engine.pid,
                "running": m.admission.running,
                "waiting": m.admission.waiting,
            }
            for name, m in sorted(pool.loaded().items())
        ],
        "restarts": {n: pool.restarts(n) for n in sorted(registry.models) if pool.restarts(n)},
        "broken": dict(sorted(registry.broken.items())),
    }
