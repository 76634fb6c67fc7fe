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
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from ..engine import protocol as p
from ..engine.metrics import observed
from ..engine.pool import LoadedModel
from ..errors import WorkerCrashed
from ..request.build import EngineRequest, build_request
from ..request.keep_alive import keep_alive_seconds
from ..request.reasoning import markers
from .assemble import StreamAssembler, collect
from .cards import fingerprint
from .runtime import NO_CTX, RequestContext, Runtime
from .streams import merged
from .types import Chunk, Completion, Usage

log = logging.getLogger(__name__)
T = TypeVar("T")


async def _prepare(loaded: LoadedModel, messages: Any, params: dict[str, Any]) -> EngineRequest:
    """Validate and shape the request; a schema-carrying one (tools, response_format) is
    checked in a thread, since thousands of tool schemas take a while, and its grammar
    is compiled by the model's checker before it may join the batch."""
    thinks = markers(loaded.model.entry.reasoning, loaded.caps.reasoning, loaded.info.prompt_end)
    build = partial(
        build_request, messages, params, loaded.caps, loaded.info.context_length, thinks
    )
    heavy = bool(params.get("tools")) or params.get("response_format") is not None
    req = await asyncio.to_thread(build) if heavy else build()
    constraint = req.sampling.constraint
    if constraint is not None and loaded.grammar is not None:
        await loaded.grammar.check(constraint, req.constraint_param)
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
    runtime: Runtime,
    name: str,
    messages: Any,
    params: dict[str, Any],
    ctx: RequestContext = NO_CTX,
    raw: str | None = None,
) -> Completion:
    """The whole answer: its chunks collected (tried once more if the worker dies under
    it before it is done). `raw`: a text completion's prompt, continued as written."""

    async def whole() -> Completion:
        opened = await _open_stream(runtime, name, messages, params, ctx, raw)
        try:
            return await collect(
                name, opened.chunks, opened.req.sampling.logprobs, fingerprint(runtime, name)
            )
        finally:
            await opened.chunks.aclose()  # type: ignore[attr-defined]

    return await _once_more(whole, name, ctx)


async def open_stream(
    runtime: Runtime,
    name: str,
    messages: Any,
    params: dict[str, Any],
    ctx: RequestContext = NO_CTX,
    raw: str | None = None,
) -> AsyncIterator[Chunk]:
    """Validate and submit now (errors raise here, before any chunk); stream later."""
    opened = await _once_more(
        lambda: _open_stream(runtime, name, messages, params, ctx, raw), name, ctx
    )
    return opened.chunks


@dataclass(frozen=True)
class _Opened:
    req: EngineRequest
    chunks: AsyncIterator[Chunk]


async def _open_stream(
    runtime: Runtime,
    name: str,
    messages: Any,
    params: dict[str, Any],
    ctx: RequestContext,
    raw: str | None = None,
) -> _Opened:
    """Lease the model, check the request, hold its engine places and submit each of
    its `n` choices; the chunks follow."""
    keep_alive = keep_alive_seconds(params.get("keep_alive"))
    model = await runtime.resolve(name, "chat")
    stack = AsyncExitStack()
    try:
        loaded = await stack.enter_async_context(runtime.pool.lease(model, keep_alive))
        req = await _prepare(loaded, messages, params)
        await stack.enter_async_context(loaded.admission.slot(req.n))
        submitted = []
        for sampling in req.samplings():
            accepted, events = await loaded.engine.submit(
                req.messages, req.tools, sampling, req.template_context, raw
            )
            stack.push_async_callback(events.aclose)  # type: ignore[attr-defined]
            submitted.append((accepted, observed(model.name, accepted.prompt_tokens, events)))
    except BaseException as exc:
        await stack.__aexit__(type(exc), exc, exc.__traceback__)  # not served: no keep_alive
        raise
    return _Opened(req, _streamed(stack, req, name, submitted, ctx))


async def _streamed(
    stack: AsyncExitStack,
    req: EngineRequest,
    name: str,
    submitted: list[tuple[p.Accepted, AsyncIterator[p.Delta | p.Finished]]],
    ctx: RequestContext,
) -> AsyncIterator[Chunk]:
    """Each choice's chunks as its engine request produces them, then the usage: the
    prompt once, the completions of every choice."""
    started = time.monotonic()
    choices = [StreamAssembler(req, i) for i in range(len(submitted))]
    generated, finishes = 0, [""] * len(submitted)
    try:
        async for i, event in merged([events for _, events in submitted]):
            if isinstance(event, p.Delta):
                for chunk in choices[i].feed(event.text, event.logprobs):
                    yield chunk
            else:
                generated += event.completion_tokens
                finishes[i] = event.reason
                for chunk in choices[i].finish(event.reason):
                    yield chunk
        prompt_tokens = submitted[0][0].prompt_tokens
        _log_done(name, started, (prompt_tokens, generated), ",".join(finishes), ctx)
        yield Chunk(usage=Usage(prompt_tokens, generated))
    except Exception as exc:  # failed: its keep_alive does not apply
        await stack.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    finally:
        await stack.aclose()  # served, or the client left


def _log_done(
    name: str, started: float, tokens: tuple[int, int], finish: str, ctx: RequestContext
) -> None:
    # Counts and timings only: prompts and outputs never go to the INFO log.
    log.info(
        "completion id=%s model=%s client=%s prompt_tokens=%d completion_tokens=%d finish=%s "
        "latency_ms=%.0f",
        ctx.request_id,
        name,
        ctx.client,
        *tokens,
        finish,
        (time.monotonic() - started) * 1000,
    )
