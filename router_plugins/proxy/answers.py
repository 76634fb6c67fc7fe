"""A board's answers as the node's (pure): whole replies as a Completion, streamed
pieces as Chunks, n runs as n choices with their usage summed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from litellm_ov_provider.core.types import Choice, Chunk, Completion, ToolCall, ToolCallDelta
from litellm_ov_provider.core.types import Usage as NodeUsage

from ..board.calls import Piece
from ..board.report import Report


def usage(reports: Sequence[Report]) -> NodeUsage:
    """The summed usage of every call of every run."""
    return NodeUsage(
        sum(r.usage.prompt_tokens for r in reports),
        sum(r.usage.completion_tokens for r in reports),
    )


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


def choice(index: int, message: Mapping[str, Any], finish: str) -> Choice:
    calls = tuple(_tool_call(c) for c in message.get("tool_calls") or ())
    return Choice(index, message.get("content"), calls, finish)


def completion(
    name: str, choices: Sequence[Choice], reports: Sequence[Report], fingerprint: str | None
) -> Completion:
    return Completion(name, tuple(choices), usage(reports), system_fingerprint=fingerprint)


async def chunks(pieces: AsyncIterator[Piece], index: int = 0) -> AsyncIterator[Chunk]:
    """One run's pieces -> its choice's chunks; the last says how the final pass
    finished (the usage of every run follows once all have finished)."""
    finish = "stop"
    async for piece in pieces:
        finish = piece.finish_reason or finish
        if piece.text:
            yield Chunk(index, text=piece.text)
        for i, call in enumerate(piece.tool_calls):
            yield Chunk(index, tool_call=_tool_call_delta(call, i))
    yield Chunk(index, finish_reason=finish)
