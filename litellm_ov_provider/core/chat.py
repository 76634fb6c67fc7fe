"""Chat completions on a registry model: the node's core flow.

`complete` returns the whole answer; `open_stream` returns its chunks. Both raise
NodeError subclasses before producing anything when the request is bad.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial
from typing import Any, TypeVar

from ..engine import protocol as p
from ..engine.metrics import observed
from ..engine.pool import LoadedModel
from ..errors import WorkerCrashed
from ..request.build import EngineRequest, build_request
from ..request.keep_alive import keep_alive_seconds
from .assemble import StreamAssembler, assemble, finish_reason
from .runtime import NO_CTX, RequestContext, Runtime
from .types import Chunk, Completion, Usage

log = logging.getLogger(__name__)
T = TypeVar("T")


async def _prepare(loaded: LoadedModel, messages: Any, params: dict[str, Any]) -> EngineRequest:
    """Validate and shape the request; a schema-carrying one (tools, response_format) is
    checked in a thread, since thousands of tool schemas take a while, and its grammar
    is compiled by the model's checker before it may join the batch."""
    build = partial(build_request, messages, params, loaded.caps, loaded.info.context_length)
    heavy = bool(params.get("tools")) or params.get("response_format") is not None
    req = await asyncio.to_thread(build) if heavy else build()
    schema = req.sampling.json_schema
    if schema is not None and loaded.grammar is not None:
        await loaded.grammar.check(schema, "tools" if req.forced_tool else "response_format")
    return req


async def _once_more(start: Callable[[], Awaitable[T]], name: str, ctx: RequestContext) -> T:
    """Run `start`; if the model's worker dies under it before anything reached the
    client, a new worker is started and `start` runs once more."""
    try:
        return await start()
    except WorkerCrashed as exc:
        log.warning("request id=%s model=%s: %s; trying once more", ctx.request_id, name, exc)
        return await start()


async def complete(
    runtime: Runtime, name: str, messages: Any, params: dict[str, Any], ctx: RequestContext = NO_CTX
) -> Completion:
    """The whole answer (tried once more if the worker dies under it)."""
    return await _once_more(lambda: _complete(runtime, name, messages, params, ctx), name, ctx)


async def _complete(
    runtime: Runtime, name: str, messages: Any, params: dict[str, Any], ctx: RequestContext
) -> Completion:
    keep_alive = keep_alive_seconds(params.get("keep_alive"))
    model = await runtime.resolve(name, "chat")
    started = time.monotonic()
    async with runtime.pool.lease(model, keep_alive) as loaded:
        req = await _prepare(loaded, messages, params)
        async with loaded.admission.slot():
            accepted, events = await loaded.engine.submit(req.messages, req.tools, req.sampling)
            events = observed(model.name, accepted.prompt_tokens, events)
            parts: list[str] = []
            scored: list[tuple[str, float]] = []
            done: p.Finished | None = None
            async for event in events:
                if isinstance(event, p.Delta):
                    parts.append(event.text)
                    scored.extend(event.logprobs)
                else:
                    done = event
    assert done is not None
    content, calls = assemble(req, "".join(parts))
    _log_done(name, started, accepted.prompt_tokens, done, ctx)
    return Completion(
        model=name,
        content=content,
        tool_calls=tuple(calls),
        finish_reason=finish_reason(done.reason, calls),
        usage=Usage(accepted.prompt_tokens, done.completion_tokens),
        logprobs=tuple(scored) if req.sampling.logprobs else None,
    )


async def open_stream(
    runtime: Runtime, name: str, messages: Any, params: dict[str, Any], ctx: RequestContext = NO_CTX
) -> AsyncIterator[Chunk]:
    """Validate and submit now (errors raise here, before any chunk); stream later."""
    return await _once_more(lambda: _open_stream(runtime, name, messages, params, ctx), name, ctx)


async def _open_stream(
    runtime: Runtime, name: str, messages: Any, params: dict[str, Any], ctx: RequestContext
) -> AsyncIterator[Chunk]:
    keep_alive = keep_alive_seconds(params.get("keep_alive"))
    model = await runtime.resolve(name, "chat")
    stack = AsyncExitStack()
    try:
        loaded = await stack.enter_async_context(runtime.pool.lease(model, keep_alive))
        req = await _prepare(loaded, messages, params)
        await stack.enter_async_context(loaded.admission.slot())
        accepted, events = await loaded.engine.submit(req.messages, req.tools, req.sampling)
        events = observed(model.name, accepted.prompt_tokens, events)
    except BaseException:
        await stack.aclose()
        raise
    return _streamed(stack, req, name, accepted, events, ctx)


async def _streamed(
    stack: AsyncExitStack,
    req: EngineRequest,
    name: str,
    accepted: p.Accepted,
    events: AsyncIterator[p.Delta | p.Finished],
    ctx: RequestContext,
) -> AsyncIterator[Chunk]:
    started = time.monotonic()
    out = StreamAssembler(req)
    try:
        async for event in events:
            if isinstance(event, p.Delta):
                for chunk in out.feed(event.text):
                    yield chunk
            else:
                _log_done(name, started, accepted.prompt_tokens, event, ctx)
                for chunk in out.finish(
                    event.reason, Usage(accepted.prompt_tokens, event.completion_tokens)
                ):
                    yield chunk
    finally:
        await events.aclose()  # type: ignore[attr-defined]
        await stack.aclose()


def _log_done(
    name: str, started: float, prompt_tokens: int, done: p.Finished, ctx: RequestContext
) -> None:
    # Counts and timings only: prompts and outputs never go to the INFO log.
    log.info(
        "completion id=%s model=%s client=%s prompt_tokens=%d completion_tokens=%d finish=%s "
        "latency_ms=%.0f",
        ctx.request_id,
        name,
        ctx.client,
        prompt_tokens,
        done.completion_tokens,
        done.reason,
        (time.monotonic() - started) * 1000,
    )
