"""The node's results, free of any server's types (pure data).

Each edge maps them exactly once: `proxy/wire.py` to LiteLLM's types for the front
door, `core/wire.py` to OpenAI JSON for ov-llm-server.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from ..engine.protocol import TokenLogprob

__all__ = [
    "Choice",
    "Chunk",
    "Completion",
    "Embeddings",
    "TokenLogprob",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "completion_id",
]


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
    arguments: str  # the arguments object, as JSON text


@dataclass(frozen=True)
class ToolCallDelta:
    """A streamed piece of the tool call at `index` among the choice's calls: the first
    piece of a call has its id and name, later pieces continue its arguments."""

    index: int
    arguments: str = ""
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Choice:
    """One of the `n` answers of a chat completion."""

    index: int
    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"
    logprobs: tuple[TokenLogprob, ...] | None = None  # None: not asked for
    reasoning: str | None = None  # what a reasoning model thought, apart from content


@dataclass(frozen=True)
class Completion:
    """A whole chat completion."""

    model: str
    choices: tuple[Choice, ...]
    usage: Usage = field(default_factory=Usage)
    id: str = field(default_factory=completion_id)
    created: int = field(default_factory=lambda: int(time.time()))
    system_fingerprint: str | None = None

    @classmethod
    def text(cls, model: str, content: str) -> Completion:
        """A one-choice answer of plain text (a health probe's)."""
        return cls(model, (Choice(0, content),))


@dataclass(frozen=True)
class Chunk:
    """One piece of a streamed completion, for choice `index`: text, reasoning, a piece
    of a tool call and the log-probabilities of the tokens it came from; or the end of
    that choice (`finish_reason`). The stream's last chunk carries the whole answer's
    `usage` (and nothing else)."""

    index: int = 0
    text: str = ""
    reasoning: str = ""
    tool_call: ToolCallDelta | None = None
    logprobs: tuple[TokenLogprob, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None

    @property
    def has_content(self) -> bool:
        return bool(self.text or self.reasoning or self.tool_call or self.logprobs)


@dataclass(frozen=True)
class Embeddings:
    """Vectors for a list of inputs, each as the request's encoding asked (floats or
    base64)."""

    model: str
    data: tuple[list[float] | str, ...]
    usage: Usage
