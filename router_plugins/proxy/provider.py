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
from litellm_ov_provider.core.streams import merged
from litellm_ov_provider.core.types import Choice, Chunk, completion_id
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
from . import answers as answers_
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
        raise status_error(exc.status_code, exc.message, exc.param, exc.code) from exc
    except CallFailed as exc:
        raise status_error(exc.status or 502, str(exc), exc.param, exc.code) from exc
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


def _runs(name: str, call: ProviderCall, stream: bool) -> list[BoardRun]:
    """The board's runs: one per choice asked for (`n`), as the node runs a choice per
    engine request, each seeded seed + i when the client gave a seed."""
    node.setup_logging()
    params = forwarded(call.params)
    n = _choices(call.params)
    board, strategy = board_for(name, declaration(name, call.litellm_params))
    call_id = request_context(call.litellm_params).request_id
    runs = []
    for i in range(n):
        seeded = {**params, "seed": params["seed"] + i} if "seed" in params and i else params
        request = BoardRequest(name, tuple(call.messages), seeded, stream)
        runs.append(BoardRun(board, strategy, request, RouterCaller(), call_id))
    return runs


def _choices(params: dict[str, Any]) -> int:
    """`n`, checked as the node checks it; log-probabilities are refused, since a
    board's answer is composed from several models' calls."""
    for key in ("logprobs", "top_logprobs"):
        if params.get(key):
            raise BoardError(
                f"{key} is not available from a board: its answer is composed from "
                "several models' calls",
                400,
                param=key,
                code="unsupported_parameter",
            )
    try:
        node.refuse_unsupported(params)  # what no specialist would see: never dropped
        return node.choices(params)
    except node.NodeError as exc:
        raise BoardError(exc.message, 400, param=exc.param, code=exc.code) from None


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
            runs = _runs(name, call, stream=False)
        answers = await _together([_answer(name, run) for run in runs])
        reports = [run.report for run in runs]
        send_headers(reports[0].request_id, reports[0].headers())
        choices = [answers_.choice(i, a.message, a.finish_reason) for i, a in enumerate(answers)]
        return _response(name, choices, reports, _fingerprint(runs[0]))

    async def stream(self, call: ProviderCall) -> AsyncIterator[ModelResponseStream]:
        name = _board_name(call.model, call.litellm_params)
        with _board_errors(name):
            runs = _runs(name, call, stream=True)
        raw = await _together([_pieces(name, run) for run in runs], _close)
        streams = [answers_.chunks(pieces, i) for i, pieces in enumerate(raw)]
        error: BaseException | None = None
        reports = [run.report for run in runs]
        shape = StreamShape(name, completion_id(), int(time.time()), _fingerprint(runs[0]))
        try:
            async for chunk in litellm_chunks(
                _all(streams, reports), shape, lambda: _last(reports[0])
            ):
                yield chunk
        except BaseException as exc:  # includes the client going away mid-stream
            error = exc
            raise
        finally:
            for pieces in raw:
                await _close(pieces)  # stops the specialists' generation too
            for report in reports:
                _log(report, error)


async def _together(
    work: list[Awaitable[T]], undo: Callable[[T], Awaitable[None]] | None = None
) -> list[T]:
    """Every result, or the first error with the rest cancelled (and what did finish
    undone): one failed run fails the request, as one failed choice does on the node."""
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        if undo is not None:
            for result in done:
                if not isinstance(result, BaseException):
                    await undo(result)
        raise


async def _answer(name: str, run: BoardRun) -> Any:
    with _board_errors(name, run):
        try:
            answer = await _inside_board(name, run.complete)
        except Exception as exc:
            _log(run.report, exc)
            raise
    _log(run.report)
    return answer


async def _pieces(name: str, run: BoardRun) -> AsyncIterator[Piece]:
    try:
        with _board_errors(name, run):
            return await _inside_board(name, run.stream)
    except Exception as exc:
        _log(run.report, exc)
        raise


async def _all(streams: list[AsyncIterator[Chunk]], reports: list[Report]) -> AsyncIterator[Chunk]:
    """Every run's chunks as they come, then the usage of every call of every run."""
    async for _, chunk in merged(streams):
        yield chunk
    yield Chunk(usage=answers_.usage(reports))


def _probe_board(name: str, litellm_params: dict[str, Any] | None) -> ModelResponse:
    """/health: the declaration is checked (strategy, params, loops); nothing runs."""
    board, _ = board_for(name, declaration(name, litellm_params))
    text = f"ok: {board.strategy} over {', '.join(s.name for s in board.specialists)}"
    choice = answers_.choice(0, {"role": "assistant", "content": text}, "stop")
    return _response(name, [choice], [Report(name, "-")])


def _fingerprint(run: BoardRun) -> str:
    return fingerprint_of("board", run.board.name, run.strategy.name, run.strategy.source)


def _response(
    name: str, choices: list[Choice], reports: list[Report], fingerprint: str | None = None
) -> ModelResponse:
    response = model_response(answers_.completion(name, choices, reports, fingerprint))
    response.board = reports[0].body()
    return response


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
