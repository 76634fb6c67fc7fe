"""Generated text -> the answer (pure): content, tool calls and the finish reason as
chunks (`StreamAssembler`, one per choice), and a whole completion collected from
those chunks (`collect`), so a unary answer is exactly its streamed one, assembled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from ..engine.protocol import TokenLogprob
from ..request.build import EngineRequest
from .reasoning import ReasoningSplitter
from .tool_calls import StreamingToolParser, assembled, cut_call
from .types import Choice, Chunk, Completion, ToolCallDelta, Usage


def finish_reason(engine_reason: str, has_calls: bool) -> str:
    """OpenAI's: `length` when max_tokens cut the answer (a tool call cut short too),
    else `tool_calls` when it calls tools, else `stop`."""
    if engine_reason == "length":
        return "length"
    return "tool_calls" if has_calls else "stop"


@dataclass
class StreamAssembler:
    """One choice's text deltas in, its chunks out; the last one says how it finished.
    Tool calls (free-text or grammar-forced) stream as OpenAI's: name first, then the
    arguments as they are written."""

    req: EngineRequest
    index: int = 0
    _parser: StreamingToolParser | None = None
    _thoughts: ReasoningSplitter | None = None

    def __post_init__(self) -> None:
        if self.req.parse_tools or self.req.forced_tool:
            self._parser = StreamingToolParser()
        if self.req.reasoning is not None:
            self._thoughts = ReasoningSplitter(self.req.reasoning)

    def feed(self, text: str, logprobs: tuple[TokenLogprob, ...] = ()) -> list[Chunk]:
        reasoning, text = self._thoughts.feed(text) if self._thoughts else ("", text)
        content, pieces = self._parser.feed(text) if self._parser else (text, [])
        return self._emit(reasoning, content, pieces, logprobs)

    def finish(self, engine_reason: str) -> list[Chunk]:
        reasoning, text = self._thoughts.finish() if self._thoughts else ("", "")
        content, pieces = self._parser.feed(text) if self._parser else (text, [])
        if self._parser is not None:
            rest, more = self._parser.finish()
            content, pieces = content + rest, [*pieces, *more]
            if self.req.forced_tool and not self._parser.calls and content.strip():
                content, pieces = "", [cut_call(content, self.req.forced_names)]
        calls = bool(pieces) or (self._parser is not None and self._parser.calls > 0)
        end = Chunk(self.index, finish_reason=finish_reason(engine_reason, calls))
        return [*self._emit(reasoning, content, pieces), end]

    def _emit(
        self,
        reasoning: str,
        content: str,
        pieces: list[ToolCallDelta],
        logprobs: tuple[TokenLogprob, ...] = (),
    ) -> list[Chunk]:
        out = []
        if reasoning or content or logprobs:
            out.append(Chunk(self.index, content, reasoning, logprobs=logprobs))
        if not self.req.parallel_calls:  # parallel_tool_calls: false keeps the first call
            pieces = [piece for piece in pieces if piece.index == 0]
        return out + [Chunk(self.index, tool_call=piece) for piece in pieces]


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
        calls = tuple(assembled([p for _, parts in sorted(self.calls.items()) for p in parts]))
        text, reasoning = "".join(self.text), "".join(self.reasoning)
        return Choice(
            index=index,
            content=text if text or not calls else None,
            tool_calls=calls,
            finish_reason=self.finish_reason,
            logprobs=tuple(self.logprobs) if with_logprobs else None,
            reasoning=reasoning or None,
        )


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
