"""The LiteLLM custom provider "board" and its response-header hook.

Registered in the proxy config as
    litellm_settings.custom_provider_map:
      - {provider: board, custom_handler: router_plugins.provider.board_llm}
    litellm_settings.callbacks: [..., "router_plugins.provider.board_hooks"]
Errors are translated here, and only here, into CustomLLMError(status, message).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from litellm.integrations.custom_logger import CustomLogger
from litellm.llms.custom_llm import CustomLLM, CustomLLMError
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from litellm_ov_provider import node

from . import capabilities, config, metrics
from .calls import CallFailed, Piece, forwarded
from .declared import board_for, check_declared_boards, declaration, inside
from .errors import BoardError
from .litellm_caller import RouterCaller
from .report import Report
from .run import BoardRun
from .types import BoardRequest

log = logging.getLogger("router_plugins")
T = TypeVar("T")
HEADERS_KEY = "board_headers"


def _board_name(model: str, litellm_params: dict[str, Any] | None) -> str:
    meta = (litellm_params or {}).get("metadata") or {}
    group = meta.get("model_group") if isinstance(meta, dict) else None
    return str(group) if group else f"{config.PROVIDER}/{model}"


@contextmanager
def _board_errors(name: str, run: BoardRun | None = None) -> Iterator[None]:
    """Board errors (and a strategy's own bugs, under its plugin's name) as
    CustomLLMError(status, message)."""
    try:
        yield
    except BoardError as exc:
        raise CustomLLMError(exc.status_code, node.public_message(exc.message)) from exc
    except CallFailed as exc:
        raise CustomLLMError(exc.status or 502, node.public_message(str(exc))) from exc
    except CustomLLMError:
        raise
    except Exception as exc:  # a strategy's own bug: say whose, keep serving
        whose = _whose(run) if run is not None else "the board layer"
        log.exception("board %s: %s failed", name, whose)
        message = f"board {name!r}: {whose} failed: {type(exc).__name__}: {exc}"
        raise CustomLLMError(500, node.public_message(message)) from exc


def _whose(run: BoardRun) -> str:
    s = run.strategy
    return f"strategy {s.name!r} of plugin {s.plugin!r} ({s.source})"


def _start(
    model: str,
    messages: list[Any],
    optional_params: dict[str, Any],
    litellm_params: dict[str, Any] | None,
    stream: bool,
) -> BoardRun:
    node.setup_logging()
    name = _board_name(model, litellm_params)
    board, strategy = board_for(name, declaration(name, litellm_params))
    request = BoardRequest(name, tuple(messages), forwarded(optional_params), stream)
    call_id = str((litellm_params or {}).get("litellm_call_id") or "-")
    return BoardRun(board, strategy, request, RouterCaller(), call_id)


async def _inside_board(name: str, work: Callable[[], Awaitable[T]]) -> T:
    token = inside.set((*inside.get(), name))
    try:
        return await work()
    finally:
        inside.reset(token)


class BoardLLM(CustomLLM):
    async def acompletion(
        self,
        model: str,
        messages: list[Any],
        *args: Any,
        optional_params: dict[str, Any],
        litellm_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> ModelResponse:
        name = _board_name(model, litellm_params)
        with _board_errors(name):
            if node.is_health_probe(litellm_params):
                return _probe_board(name, litellm_params)
            board = _start(model, messages, optional_params, litellm_params, False)
        with _board_errors(name, board):
            try:
                answer = await _inside_board(name, board.complete)
            except Exception as exc:
                _log(board.report, exc)
                raise
            _log(board.report)
            return _response(name, dict(answer.message), answer.finish_reason, board.report)

    async def astreaming(
        self,
        model: str,
        messages: list[Any],
        *args: Any,
        optional_params: dict[str, Any],
        litellm_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenericStreamingChunk]:
        name = _board_name(model, litellm_params)
        with _board_errors(name):
            board = _start(model, messages, optional_params, litellm_params, True)
        try:
            with _board_errors(name, board):
                pieces = await _inside_board(name, board.stream)
        except CustomLLMError as exc:
            _log(board.report, exc)
            raise
        error: BaseException | None = None
        try:
            async for chunk in _chunks(pieces, board.report):
                yield chunk
        except BaseException as exc:  # includes the client going away mid-stream
            error = exc
            raise
        finally:
            await _close(pieces)  # stops the specialist's generation too
            _log(board.report, error)

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        raise CustomLLMError(501, "the board provider is async-only; use acompletion")

    def streaming(self, *args: Any, **kwargs: Any) -> Any:
        raise CustomLLMError(501, "the board provider is async-only; use astreaming")


def _probe_board(name: str, litellm_params: dict[str, Any] | None) -> ModelResponse:
    """/health: the declaration is checked (strategy, params, loops); nothing runs."""
    board, _ = board_for(name, declaration(name, litellm_params))
    text = f"ok: {board.strategy} over {', '.join(s.name for s in board.specialists)}"
    return _response(name, {"role": "assistant", "content": text}, "stop", Report(name, "-"))


def _report_usage(report: Report) -> Any:
    """The summed usage of every call of the board, as LiteLLM's Usage."""
    return node.usage(report.usage.prompt_tokens, report.usage.completion_tokens)


def _response(name: str, message: dict[str, Any], finish: str, report: Report) -> ModelResponse:
    resp = node.chat_response(name, message, finish, _report_usage(report))
    resp.board = report.body()
    resp._hidden_params[HEADERS_KEY] = report.headers()
    return resp


async def _chunks(
    pieces: AsyncIterator[Piece], report: Report
) -> AsyncIterator[GenericStreamingChunk]:
    """Pieces -> LiteLLM chunks; the last carries finish_reason, the board's usage and
    its report together with real content."""
    held = node.HeldBack()
    finish = "stop"
    async for piece in pieces:
        finish = piece.finish_reason or finish
        out = [node.stream_chunk(piece.text, None)] if piece.text else []
        out += [node.stream_chunk("", dict(call)) for call in piece.tool_calls]
        for chunk in out:
            for ready in held.push(chunk):
                yield ready
    board = {"board": report.body()}
    yield held.finish(finish, _report_usage(report), provider_specific_fields=board)


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


class BoardHooks(CustomLogger):
    """Proxy hooks for boards: no router-level retry of a whole board (its specialist
    calls are retried already; a retried panel would run twice), and x-board-*
    response headers for non-streamed answers (a streamed answer carries the same
    report in its last chunk's `board` field). Inside a running proxy it also checks
    every declared board once the router is up, so a bad declaration is in the log at
    startup, not only in each request's error."""

    def __init__(self) -> None:
        super().__init__()
        self._startup: asyncio.Task[None] | None = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._startup = loop.create_task(check_declared_boards(), name="board-check")
        node.on_routes_synced(capabilities.publish)  # what each board's members support

    # Must be defined on this class itself: the proxy only calls hooks found in vars(cls).
    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any]:
        name = data.get("model")
        if isinstance(name, str) and any(_is_board(d) for d in node.deployments(name)):
            data["num_retries"] = 0
        return data

    async def async_post_call_response_headers_hook(
        self,
        data: dict[str, Any],
        user_api_key_dict: Any,
        response: Any,
        request_headers: dict[str, str] | None = None,
        litellm_call_info: Any = None,
    ) -> dict[str, str] | None:
        hidden = getattr(response, "_hidden_params", None) or {}
        headers = hidden.get(HEADERS_KEY) if isinstance(hidden, dict) else None
        return dict(headers) if headers else None


def _is_board(deployment: dict[str, Any]) -> bool:
    model = str((deployment.get("litellm_params") or {}).get("model", ""))
    return model.startswith(f"{config.PROVIDER}/")


board_llm = BoardLLM()
board_hooks = BoardHooks()
