"""Engine output -> LiteLLM/OpenAI response objects.

`assemble` (whole text) and `StreamAssembler` (deltas) decide content, tool calls
and finish_reason the same way; only the litellm object construction is here.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from litellm.types.utils import GenericStreamingChunk, ModelResponse, Usage

from ..request.build import EngineRequest
from .tool_calls import StreamingToolParser, ToolCall, parse_forced, parse_tool_calls


def response_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def usage(prompt_tokens: int, completion_tokens: int) -> Usage:
    return Usage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )


def finish_reason(engine_reason: str, calls: list[ToolCall]) -> str:
    if calls:
        return "tool_calls"
    return "length" if engine_reason == "length" else "stop"


def assemble(req: EngineRequest, text: str) -> tuple[str | None, list[ToolCall]]:
    """Whole generated text -> (content, tool calls)."""
    if req.forced_tool:
        calls = parse_forced(text)
        return (None, calls) if calls else (text, [])
    if req.parse_tools:
        return parse_tool_calls(text)
    return text, []


def usage_dict(use: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": use.prompt_tokens,
        "completion_tokens": use.completion_tokens,
        "total_tokens": use.total_tokens,
    }


def chat_response(
    model: str,
    message: dict[str, Any],
    reason: str,
    use: Usage,
    logprobs: list[tuple[str, float]] | None = None,
) -> ModelResponse:
    """A whole chat completion (one choice) as LiteLLM's ModelResponse."""
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": reason}
    if logprobs is not None:
        choice["logprobs"] = openai_logprobs(logprobs)
    return ModelResponse(
        id=response_id(),
        created=int(time.time()),
        model=model,
        object="chat.completion",
        choices=[choice],
        usage=use,
    )


def completion(
    model: str,
    content: str | None,
    calls: list[ToolCall],
    reason: str,
    use: Usage,
    logprobs: list[tuple[str, float]] | None = None,
) -> ModelResponse:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [c.to_openai() for c in calls]
    return chat_response(model, message, reason, use, logprobs)


class HeldBack:
    """Passes streaming chunks on one behind, so the last chunk can carry
    finish_reason and usage together with real content or a tool call: LiteLLM drops
    the usage of a content-less final chunk and puts an estimate in its place."""

    def __init__(self) -> None:
        self._held: GenericStreamingChunk | None = None

    def push(self, chunk: GenericStreamingChunk) -> list[GenericStreamingChunk]:
        """Hold `chunk`; returns the one held before it, if any."""
        out = [self._held] if self._held is not None else []
        self._held = chunk
        return out

    def finish(self, reason: str, use: Usage, **fields: Any) -> GenericStreamingChunk:
        """The held chunk (or an empty one), finished, with usage and `fields`."""
        last = self._held or stream_chunk("", None)
        self._held = None
        last["is_finished"] = True
        last["finish_reason"] = reason
        last["usage"] = usage_dict(use)
        last.update(fields)
        return last


def openai_logprobs(scored: list[tuple[str, float]]) -> dict[str, Any]:
    """OpenAI's `choices[].logprobs` shape; no alternatives (top_logprobs stays empty)."""
    return {
        "content": [
            {"token": token, "logprob": lp, "bytes": list(token.encode()), "top_logprobs": []}
            for token, lp in scored
        ]
    }


@dataclass
class StreamAssembler:
    """Turns text deltas into LiteLLM GenericStreamingChunk dicts, holding tool-call
    text until the call closes.

    One delta is always held back, so the last chunk carries finish_reason and usage
    together with real content or a tool call (a content-less final chunk loses them).
    """

    req: EngineRequest
    _parser: StreamingToolParser = field(default_factory=StreamingToolParser)
    _forced_text: list[str] = field(default_factory=list)
    _held: HeldBack = field(default_factory=HeldBack)
    _calls: list[ToolCall] = field(default_factory=list)

    def feed(self, text: str) -> list[GenericStreamingChunk]:
        if self.req.forced_tool:
            self._forced_text.append(text)
            return []
        content, calls = self._parser.feed(text) if self.req.parse_tools else (text, [])
        return self._emit(content, calls)

    def finish(self, engine_reason: str, use: Usage) -> list[GenericStreamingChunk]:
        if self.req.forced_tool:
            content, calls = assemble(self.req, "".join(self._forced_text))
        elif self.req.parse_tools:
            content, calls = self._parser.finish()
        else:
            content, calls = None, []
        chunks = self._emit(content, calls)
        return [*chunks, self._held.finish(finish_reason(engine_reason, self._calls), use)]

    def _emit(self, content: str | None, calls: list[ToolCall]) -> list[GenericStreamingChunk]:
        pieces = [stream_chunk(content, None)] if content else []
        for call in calls:
            pieces.append(stream_chunk("", call.to_openai(len(self._calls))))
            self._calls.append(call)
        return [out for piece in pieces for out in self._held.push(piece)]


def stream_chunk(text: str, tool_use: dict[str, Any] | None) -> GenericStreamingChunk:
    return {
        "text": text,
        "tool_use": tool_use,
        "is_finished": False,
        "finish_reason": "",
        "usage": None,
        "index": 0,
    }
