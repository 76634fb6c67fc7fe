"""Generated text -> the answer (pure): content, tool calls and the finish reason as
chunks (`StreamAssembler`, one per choice), and a whole completion collected from
those chunks (`collect`), so a unary answer is exactly its streamed one, assembled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from ..engine.protocol import TokenLogprob
from ..request.build import EngineRequest
from .tool_calls import StreamingToolParser, parse_forced
from .types import Choice, Chunk, Completion, ToolCall, ToolCallDelta, Usage


def finish_reason(engine_reason: str, has_calls: bool) -> str:
    if has_calls:
        return "tool_calls"
    return "length" if engine_reason == "length" else "stop"


@dataclass
class StreamAssembler:
    """One choice's text deltas in, its chunks out; the last one says how it finished."""

    req: EngineRequest
    index: int = 0
    _parser: StreamingToolParser = field(default_factory=StreamingToolParser)
    _forced_text: list[str] = field(default_factory=list)
    _calls: int = 0

    def feed(self, text: str, logprobs: tuple[TokenLogprob, ...] = ()) -> list[Chunk]:
        if self.req.forced_tool:
            self._forced_text.append(text)
            return [Chunk(self.index, logprobs=logprobs)] if logprobs else []
        content, calls = self._parser.feed(text) if self.req.parse_tools else (text, [])
        return self._emit(content, calls, logprobs)

    def finish(self, engine_reason: str) -> list[Chunk]:
        if self.req.forced_tool:
            calls = parse_forced("".join(self._forced_text))
            content = None if calls else "".join(self._forced_text)
        elif self.req.parse_tools:
            content, calls = self._parser.finish()
        else:
            content, calls = None, []
        chunks = self._emit(content, calls)
        end = Chunk(self.index, finish_reason=finish_reason(engine_reason, self._calls > 0))
        return [*chunks, end]

    def _emit(
        self, content: str | None, calls: list[ToolCall], logprobs: tuple[TokenLogprob, ...] = ()
    ) -> list[Chunk]:
        out = (
            [Chunk(self.index, text=content or "", logprobs=logprobs)]
            if content or logprobs
            else []
        )
        for call in calls:
            delta = ToolCallDelta(self._calls, call.arguments, call.id, call.name)
            out.append(Chunk(self.index, tool_call=delta))
            self._calls += 1
        return out


@dataclass
class _ChoiceParts:
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, list[ToolCallDelta]] = field(default_factory=dict)
    logprobs: list[TokenLogprob] = field(default_factory=list)
    finish_reason: str = "stop"

    def add(self, chunk: Chunk) -> None:
        self.text.append(chunk.text)
        self.reasoning.append(chunk.reasoning)
        self.logprobs.extend(chunk.logprobs)
        if chunk.tool_call is not None:
            self.calls.setdefault(chunk.tool_call.index, []).append(chunk.tool_call)
        if chunk.finish_reason is not None:
            self.finish_reason = chunk.finish_reason

    def choice(self, index: int, with_logprobs: bool) -> Choice:
        calls = tuple(_whole(pieces) for _, pieces in sorted(self.calls.items()))
        text, reasoning = "".join(self.text), "".join(self.reasoning)
        return Choice(
            index=index,
            content=text if text or not calls else None,
            tool_calls=calls,
            finish_reason=self.finish_reason,
            logprobs=tuple(self.logprobs) if with_logprobs else None,
            reasoning=reasoning or None,
        )


def _whole(pieces: list[ToolCallDelta]) -> ToolCall:
    first = pieces[0]
    arguments = "".join(p.arguments for p in pieces)
    return ToolCall(first.id or "", first.name or "", arguments)


async def collect(
    model: str,
    chunks: AsyncIterator[Chunk],
    with_logprobs: bool = False,
    system_fingerprint: str | None = None,
) -> Completion:
    """The whole completion a chunk stream makes."""
    parts: dict[int, _ChoiceParts] = {}
    usage = Usage()
    async for chunk in chunks:
        if chunk.usage is not None:
            usage = chunk.usage
            continue
        parts.setdefault(chunk.index, _ChoiceParts()).add(chunk)
    choices = tuple(p.choice(i, with_logprobs) for i, p in sorted(parts.items()))
    return Completion(model, choices, usage, system_fingerprint=system_fingerprint)
