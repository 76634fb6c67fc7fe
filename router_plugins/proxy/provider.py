"""The `board` custom provider: a board request run over LiteLLM's router, its answer
mapped as the node's are (litellm_ov_provider.proxy.wire).

Registered in the proxy config as
    litellm_settings.custom_provider_map:
      - {provider: board, custom_handler: router_plugins.proxy.board_llm}
Errors are translated here, and only here, into LiteLLM's exceptions.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from litellm.types.utils import ModelResponse, ModelResponseStream

from litellm_ov_provider import node
from litellm_ov_provider.core.cards import fingerprint_of
from litellm_ov_provider.core.types import (
    Choice,
    Chunk,
    Completion,
    ToolCall,
    ToolCallDelta,
    Usage,
    completion_id,
)
from litellm_ov_provider.proxy import internals
from litellm_ov_provider.proxy.base import (
    AsyncProvider,
    ProviderCall,
    request_context,
    send_headers,
)
from litellm_ov_provider.proxy.wire import (
    StreamShape,
    litellm_chunks,
    model_response,
    status_error,
)

from ..board import metrics
from ..board.calls import CallFailed, Piece, forwarded
from ..board.report import Report
from ..board.run import BoardRun
from ..errors import BoardError
from ..types import BoardRequest
from .caller import RouterCaller
from .declarations import board_for, declaration, inside

log = logging.getLogger("router_plugins")
T = TypeVar("T")


def _board_name(model: str, litellm_params: dict[str, Any] | None) -> str:
    return internals.model_group(litellm_params) or f"{node.BOARD_PROVIDER}/{model}"


@contextmanager
def _board_errors(name: str, run: BoardRun | None = None) -> Iterator[None]:
    """Board errors (and a strategy's own bugs, under its plugin's name) as LiteLLM's
    errors with their status."""
    try:
        yield
    except BoardError as exc:
        raise status_error(exc.status_code, exc.message) from exc
    except CallFailed as exc:
        raise status_error(exc.status or 502, str(exc)) from exc
    except Exception as exc:  # a strategy's own bug: say whose, keep serving
        if getattr(exc, "status_code", None) is not None:
            raise  # translated already
        whose = _whose(run) if run is not None else "the board layer"
        log.exception("board %s: %s failed", name, whose)
        raise status_error(
            500, f"board {name!r}: {whose} failed: {type(exc).__name__}: {exc}"
        ) from exc


def _whose(run: BoardRun) -> str:
    s = run.strategy
    return f"strategy {s.name!r} of plugin {s.plugin!r} ({s.source})"


def _start(name: str, call: ProviderCall, stream: bool) -> BoardRun:
    node.setup_logging()
    board, strategy = board_for(name, declaration(name, call.litellm_params))
    request = BoardRequest(name, tuple(call.messages), forwarded(call.params), stream)
    call_id = request_context(call.litellm_params).request_id
    return BoardRun(board, strategy, request, RouterCaller(), call_id)


async def _inside_board(name: str, work: Callable[[], Awaitable[T]]) -> T:
    token = inside.set((*inside.get(), name))
    try:
        return await work()
    finally:
        inside.reset(token)


class BoardLLM(AsyncProvider):
    provider = node.BOARD_PROVIDER

    async def complete(self, call: ProviderCall) -> ModelResponse:
        name = _board_name(call.model, call.litellm_params)
        with _board_errors(name):
            if internals.is_health_probe(call.litellm_params):
                return _probe_board(name, call.litellm_params)
            board = _start(name, call, stream=False)
        with _board_errors(name, board):
            try:
                answer = await _inside_board(name, board.complete)
            except Exception as exc:
                _log(board.report, exc)
                raise
        _log(board.report)
        send_headers(board.report.request_id, board.report.headers())
        return _response(
            name, answer.message, answer.finish_reason, board.report, _fingerprint(board)
        )

    async def stream(self, call: ProviderCall) -> AsyncIterator[ModelResponseStream]:
        name = _board_name(call.model, call.litellm_params)
        with _board_errors(name):
            board = _start(name, call, stream=True)
        try:
            with _board_errors(name, board):
                pieces = await _inside_board(name, board.stream)
        except Exception as exc:
            _log(board.report, exc)
            raise
        error: BaseException | None = None
        report = board.report
        shape = StreamShape(name, completion_id(), int(time.time()), _fingerprint(board))
        try:
            async for chunk in litellm_chunks(
                _chunks(pieces, report), shape, lambda: _last(report)
            ):
                yield chunk
        except BaseException as exc:  # includes the client going away mid-stream
            error = exc
            raise
        finally:
            await _close(pieces)  # stops the specialist's generation too
            _log(report, error)


def _probe_board(name: str, litellm_params: dict[str, Any] | None) -> ModelResponse:
    """/health: the declaration is checked (strategy, params, loops); nothing runs."""
    board, _ = board_for(name, declaration(name, litellm_params))
    text = f"ok: {board.strategy} over {', '.join(s.name for s in board.specialists)}"
    return _response(name, {"role": "assistant", "content": text}, "stop", Report(name, "-"))


def _usage(report: Report) -> Usage:
    """The summed usage of every call of the board."""
    return Usage(report.usage.prompt_tokens, report.usage.completion_tokens)


def _tool_call(raw: Any) -> ToolCall:
    function = raw.get("function") or {}
    arguments = function.get("arguments")
    return ToolCall(str(raw.get("id") or ""), str(function.get("name")), str(arguments or "{}"))


def _tool_call_delta(raw: Any, index: int) -> ToolCallDelta:
    """A tool call as a specialist's stream gave it: whole, or one piece of it."""
    function = raw.get("function") or {}
    return ToolCallDelta(
        index=int(raw.get("index", index)),
        arguments=function.get("arguments") or "",
        id=raw.get("id"),
        name=function.get("name"),
    )


def _fingerprint(run: BoardRun) -> str:
    return fingerprint_of("board", run.board.name, run.strategy.name, run.strategy.source)


def _response(
    name: str, message: Any, finish: str, report: Report, fingerprint: str | None = None
) -> ModelResponse:
    calls = tuple(_tool_call(c) for c in message.get("tool_calls") or ())
    choice = Choice(0, message.get("content"), calls, finish)
    done = Completion(name, (choice,), _usage(report), system_fingerprint=fingerprint)
    response = model_response(done)
    response.board = report.body()
    return response


async def _chunks(pieces: AsyncIterator[Piece], report: Report) -> AsyncIterator[Chunk]:
    """Pieces -> chunks; the last says how the final pass finished and carries the
    usage of every call the board made."""
    finish = "stop"
    async for piece in pieces:
        finish = piece.finish_reason or finish
        if piece.text:
            yield Chunk(text=piece.text)
        for i, call in enumerate(piece.tool_calls):
            yield Chunk(tool_call=_tool_call_delta(call, i))
    yield Chunk(finish_reason=finish)
    yield Chunk(usage=_usage(report))


def _last(report: Report) -> dict[str, Any]:
    """The board's report rides on the last chunk (a streamed answer has no headers)."""
    return {"board": report.body()}


def _log(report: Report, error: BaseException | None = None) -> None:
    if error is None:
        metrics.record(report, "ok")
        log.info(report.log_line())
    elif isinstance(error, GeneratorExit | asyncio.CancelledError):
        metrics.record(report, "cancelled")
        log.info("%s cancelled (the client went away)", report.log_line())
    else:
        metrics.record(report, "error")
        message = getattr(error, "message", None) or str(error)
        log.warning("%s error=%r", report.log_line(), str(message)[:300])


async def _close(stream: Any) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()
