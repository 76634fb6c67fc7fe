"""The node's results, free of any server's types (pure data).

Each edge maps them exactly once: `proxy/wire.py` to LiteLLM's types for the front
door, `core/wire.py` to OpenAI JSON for ov-llm-server.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

TokenLogprob = tuple[str, float]  # a generated token's text and its log-probability


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # a JSON object, as text


@dataclass(frozen=True)
class ToolCallDelta:
    """A streamed piece of the tool call at `index` among the answer's calls: the first
    piece of a call has its id and name, later pieces continue its arguments (the node
    sends each call whole, in one piece)."""

    index: int
    arguments: str = ""
    id: str | None = None
    name: str | None = None

    @classmethod
    def whole(cls, call: ToolCall, index: int) -> ToolCallDelta:
        return cls(index, call.arguments, call.id, call.name)


@dataclass(frozen=True)
class Completion:
    """A whole chat completion (one choice)."""

    model: str
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    logprobs: tuple[TokenLogprob, ...] | None = None  # None: not asked for
    id: str = field(default_factory=completion_id)
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass(frozen=True)
class Chunk:
    """One piece of a streamed completion: text, a piece of a tool call, or the end of
    the answer (`finish_reason` and `usage`)."""

    text: str = ""
    tool_call: ToolCallDelta | None = None
    finish_reason: str | None = None
    usage: Usage | None = None


@dataclass(frozen=True)
class Embeddings:
    """Vectors for a list of inputs, each as the request's encoding asked (floats or
    base64)."""

    model: str
    data: tuple[list[float] | str, ...]
    usage: Usage
