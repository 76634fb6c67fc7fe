"""Embeddings on a registry model (OpenVINO GenAI TextEmbeddingPipeline)."""

from __future__ import annotations

import base64
import logging
import struct
import time
from typing import Any

from litellm.types.utils import EmbeddingResponse, Usage

from ..errors import InvalidRequest
from ..request.keep_alive import keep_alive_seconds
from .runtime import NO_CTX, RequestContext, Runtime

log = logging.getLogger(__name__)
MAX_INPUTS = 2048


def texts_of(raw: Any) -> list[str]:
    """OpenAI `input`: a string or a list of strings (token arrays are not accepted)."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise InvalidRequest("input must be a non-empty string or list of strings", param="input")
    if len(items) > MAX_INPUTS:
        raise InvalidRequest(f"input has {len(items)} items; at most {MAX_INPUTS}", param="input")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidRequest(
                f"input[{i}] must be a string (token arrays are not supported)", param="input"
            )
        if not item:
            raise InvalidRequest(f"input[{i}] is empty", param="input")
    return items


def encode(vector: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


def encoding_format_of(params: dict[str, Any]) -> str:
    fmt = params.get("encoding_format") or "float"
    if fmt not in ("float", "base64"):
        raise InvalidRequest('encoding_format must be "float" or "base64"', param="encoding_format")
    if params.get("dimensions") is not None:
        raise InvalidRequest("dimensions is not supported by this model", param="dimensions")
    return str(fmt)


async def embed_texts(runtime: Runtime, name: str, texts: list[str]) -> list[list[float]]:
    """Vectors for `texts` from registry model `name`, in-process (no HTTP, no log
    line): for callers inside the proxy such as the board's semantic router."""
    model = await runtime.resolve(name, "embedding")
    async with runtime.pool.lease(model) as loaded, loaded.admission.slot():
        result = await loaded.engine.embed(texts_of(texts))
    return result.vectors


async def embed(
    runtime: Runtime,
    name: str,
    raw_input: Any,
    params: dict[str, Any],
    response: EmbeddingResponse,
    ctx: RequestContext = NO_CTX,
) -> EmbeddingResponse:
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
    response.model = name
    response.object = "list"
    response.data = [
        {"object": "embedding", "index": i, "embedding": encode(v, fmt)}
        for i, v in enumerate(result.vectors)
    ]
    response.usage = Usage(
        prompt_tokens=result.prompt_tokens, completion_tokens=0, total_tokens=result.prompt_tokens
    )
    return response
