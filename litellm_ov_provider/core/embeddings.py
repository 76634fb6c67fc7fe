"""Embeddings on a registry model (OpenVINO GenAI TextEmbeddingPipeline)."""

from __future__ import annotations

import base64
import logging
import struct
import time
from typing import Any

from ..request.embedding import encoding_format_of, texts_of
from ..request.keep_alive import keep_alive_seconds
from .runtime import NO_CTX, RequestContext, Runtime
from .types import Embeddings, Usage

log = logging.getLogger(__name__)


def encode(vector: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


async def embed_locally(runtime: Runtime, name: str, texts: list[str]) -> list[list[float]] | None:
    """Vectors for `texts` from registry embedding model `name`, in-process (no HTTP,
    no log line), for callers inside the proxy such as the board's semantic router;
    None when `name` is not a local embedding model."""
    local = runtime.catalog.get(name)
    if local is None or local.entry.mode != "embedding":
        return None
    model = await runtime.resolve(name, "embedding")
    async with runtime.pool.lease(model) as loaded, loaded.admission.slot():
        result = await loaded.engine.embed(texts_of(texts))
    return result.vectors


async def embed(
    runtime: Runtime,
    name: str,
    raw_input: Any,
    params: dict[str, Any],
    ctx: RequestContext = NO_CTX,
) -> Embeddings:
    keep_alive = keep_alive_seconds(params.get("keep_alive"))
    model = await runtime.resolve(name, "embedding")
    texts = texts_of(raw_input)
    fmt = encoding_format_of(params)
    started = time.monotonic()
    async with runtime.pool.lease(model, keep_alive) as loaded, loaded.admission.slot():
        result = await loaded.engine.embed(texts)
    log.info(
        "embedding id=%s model=%s client=%s inputs=%d prompt_tokens=%d latency_ms=%.0f",
        ctx.request_id,
        name,
        ctx.client,
        len(texts),
        result.prompt_tokens,
        (time.monotonic() - started) * 1000,
    )
    data = tuple(encode(v, fmt) for v in result.vectors)
    return Embeddings(name, data, Usage(prompt_tokens=result.prompt_tokens))
