"""Generated text -> the answer: content, tool calls and the finish reason (pure).

`assemble` reads a whole answer; `StreamAssembler` turns text deltas into chunks,
holding tool-call text back until the call closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..request.build import EngineRequest
from .tool_calls import StreamingToolParser, parse_forced, parse_tool_calls
from .types import Chunk, ToolCall, ToolCallDelta, Usage


def finish_reason(engine_reason: str, calls: list[ToolCall] | tuple[ToolCall, ...]) -> str:
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


@dataclass
class StreamAssembler:
    """Text deltas in, chunks out; the last chunk says how the answer finished and
    carries its usage."""

    req: EngineRequest
    _parser: StreamingToolParser = field(default_factory=StreamingToolParser)
    _forced_text: list[str] = field(default_factory=list)
    _calls: list[ToolCall] = field(default_factory=list)

    def feed(self, text: str) -> list[Chunk]:
        if self.req.forced_tool:
            self._forced_text.append(text)
            return []
        content, calls = self._parser.feed(text) if self.req.parse_tools else (text, [])
        return self._emit(content, calls)

    def finish(self, engine_reason: str, use: Usage) -> list[Chunk]:
        if self.req.forced_tool:
            content, calls = assemble(self.req, "".join(self._forced_text))
        elif self.req.parse_tools:
            content, calls = self._parser.finish()
        else:
            content, calls = None, []
        chunks = self._emit(content, calls)
        end = Chunk(finish_reason=finish_reason(engine_reason, self._calls), usage=use)
        return [*chunks, end]

    def _emit(self, content: str | None, calls: list[ToolCall]) -> list[Chunk]:
        out = [Chunk(text=content)] if content else []
        for call in calls:
            out.append(Chunk(tool_call=ToolCallDelta.whole(call, len(self._calls))))
            self._calls.append(call)
        return out
