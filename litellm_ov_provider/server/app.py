"""The standalone node's HTTP surface. Every route is a thin adapter over the same
`chat` / `embeddings` flows, pool and registry that the LiteLLM provider uses."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from litellm.types.utils import EmbeddingResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from ..core import chat, embeddings
from ..core.assemble import response_id
from ..core.runtime import RequestContext, Runtime, freeze_startup_heap
from ..core.wire import error_json, node_error_json
from ..engine import metrics
from ..errors import InvalidRequest, NodeError
from ..ops import lifecycle_api
from ..registry.catalog import watch
from ..registry.device import resolve_device
from ..request.body import read_capped
from ..request.checks import Door, Limits, check_parsed, parse_body
from .wire import ChunkWriter

log = logging.getLogger("litellm_ov_provider.server")
OPEN_PATHS = frozenset({"/health", "/health/liveliness"})
THREAD_BYTES = 256 * 1024


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(watch(runtime.catalog, runtime.settings.registry_poll_seconds)),
            asyncio.create_task(runtime.pool.run_reaper()),
        ]
        freeze_startup_heap()
        yield
        for task in tasks:
            task.cancel()
        runtime.pool.close_all()

    app = FastAPI(title="ov-llm-server", lifespan=lifespan, docs_url=None, redoc_url=None)
    metrics.register(lambda: runtime)
    # /ov/ps, /ov/load, /ov/unload; the key is checked by the middleware below.
    app.include_router(lifecycle_api.build(lambda: runtime, lambda _: True))
    key = runtime.settings.api_key.get_secret_value() if runtime.settings.api_key else None
    keyed = lifecycle_api.key_check(lambda: key)

    @app.middleware("http")
    async def auth(request: Request, call_next: Any) -> Response:
        if request.url.path not in OPEN_PATHS and key is not None and not keyed(request):
            return lifecycle_api.unauthorized()
        response: Response = await call_next(request)
        return response

    @app.exception_handler(NodeError)
    async def node_error(_: Request, exc: NodeError) -> JSONResponse:
        return JSONResponse(node_error_json(exc), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed")
        body = error_json(500, "internal error (see the node's log)", kind="internal_error")
        return JSONResponse(body, status_code=500)

    # The front door's checks, minus steering (the node connects nowhere).
    door = Door(
        Limits(max_body_bytes=int(runtime.settings.max_request_mb * 2**20)),
        model_kind=lambda _: None,
        litellm_refusal=lambda _: None,
        client_credentials_allowed=True,
    )

    def checked(path: str, raw: bytes) -> dict[str, Any]:
        try:
            body = parse_body(raw)
        except ValueError as exc:
            raise InvalidRequest(f"the request body is not valid JSON: {exc}") from exc
        check_parsed(path, body, door)
        return body

    async def body_of(request: Request) -> tuple[dict[str, Any], str, RequestContext]:
        declared = request.headers.get("content-length", "")
        raw = await read_capped(request.stream(), declared, door.limits.max_body_bytes)
        path = request.url.path
        if len(raw) > THREAD_BYTES:
            body = await asyncio.to_thread(checked, path, raw)
        else:
            body = checked(path, raw)
        model = body["model"]
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        client = request.client.host if request.client else "-"
        return body, model, RequestContext(rid, client)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        body, model, ctx = await body_of(request)
        messages = body.get("messages")
        params = {k: v for k, v in body.items() if k not in ("model", "messages")}
        headers = {"x-request-id": ctx.request_id}
        if not body.get("stream"):
            result = await chat.complete(runtime, model, messages, params, ctx)
            return JSONResponse(result.model_dump(), headers=headers)
        stream = await chat.open_stream(runtime, model, messages, params, ctx)
        include_usage = bool((params.get("stream_options") or {}).get("include_usage"))
        writer = ChunkWriter(model, response_id(), include_usage)

        async def events() -> AsyncIterator[str]:
            try:
                async for chunk in stream:
                    yield writer.event(chunk)
                yield ChunkWriter.DONE
            except NodeError as exc:
                yield ChunkWriter.error(exc)
            finally:
                await stream.aclose()  # type: ignore[attr-defined]

        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    @app.post("/v1/embeddings")
    async def create_embeddings(request: Request) -> JSONResponse:
        body, model, ctx = await body_of(request)
        params = {k: v for k, v in body.items() if k in ("encoding_format", "dimensions")}
        result = await embeddings.embed(
            runtime, model, body.get("input"), params, EmbeddingResponse(), ctx
        )
        return JSONResponse(result.model_dump(), headers={"x-request-id": ctx.request_id})

    @app.get("/v1/models")
    async def list_models() -> dict[str, Any]:
        return {"object": "list", "data": await asyncio.to_thread(_models, runtime)}

    @app.get("/health")
    async def health(request: Request) -> dict[str, Any]:
        """Status for anyone; the details (paths, models, processes) with the key."""
        if key is not None and not keyed(request):
            return {"status": "ok"}
        loaded = runtime.pool.loaded()
        return {
            "status": "ok",
            "device": resolve_device(runtime.settings.device),
            "registry_path": str(runtime.settings.registry_path),
            "registry_count": len(runtime.catalog.registry.models),
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
                for name, m in sorted(loaded.items())
            ],
            "restarts": {
                name: runtime.pool.restarts(name)
                for name in sorted(runtime.catalog.registry.models)
                if runtime.pool.restarts(name)
            },
            "broken": dict(sorted(runtime.catalog.registry.broken.items())),
        }

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        """The same ov_* engine metrics as the proxy's /metrics (behind the key)."""
        body = await asyncio.to_thread(generate_latest, REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/health/liveliness")
    async def liveliness() -> str:
        return "I'm alive!"

    return app


def _models(runtime: Runtime) -> list[dict[str, Any]]:
    """Every registry model, then every family name with the variant it serves."""
    registry = runtime.catalog.registry
    listed = [
        {"id": name, "object": "model", "created": 0, "owned_by": "openvino",
         **runtime.model_card(model)}
        for name, model in sorted(registry.models.items())
    ]  # fmt: skip
    by_name = {entry["id"]: entry for entry in listed}
    for family, variant in sorted(registry.aliases.items()):
        listed.append({**by_name[variant], "id": family, "alias_of": variant})
    return listed
