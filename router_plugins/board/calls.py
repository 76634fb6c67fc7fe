"""How the board reaches models: the Caller interface and its plain results.

A board run (run.py) only talks to a Caller; `router_plugins/proxy/caller.py` is the
real one (LiteLLM's router inside the proxy), unit tests pass a fake of their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from litellm_ov_provider import node

from ..types import EMPTY, Message, Specialist, Usage

# Our node's extensions: forwarded to registry models only (another server would
# refuse them); reasoning_effort too, which LiteLLM refuses for most remote models.
NODE_ONLY = (
    "keep_alive",
    "grammar",
    "min_p",
    "top_k",
    "repetition_penalty",
    "ignore_eos",
    "reasoning_effort",
)
# Request parameters a board forwards to the models it calls (everything else the
# client sent is LiteLLM's business or the board's own: `n` runs the board n times,
# and log-probabilities are refused, since the answer is composed).
FORWARDED = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "user",
    *NODE_ONLY,
)


@dataclass(frozen=True)
class Reply:
    """A whole (non-streamed) answer."""

    message: Mapping[str, Any]
    finish_reason: str
    usage: Usage
    logprobs: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Piece:
    """One streamed piece of the final pass."""

    text: str = ""
    tool_calls: tuple[Mapping[str, Any], ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None


class Caller(Protocol):
    async def complete(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> Reply: ...

    async def stream(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> AsyncIterator[Piece]:
        """Start a stream: errors before the first piece raise from this await."""
        ...

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]: ...


class CallFailed(Exception):
    """A model call failed; `status` is its HTTP status when it had one, `param` and
    `code` the OpenAI error's."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        *,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.param, self.code = status, param, code


def forwarded(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k in FORWARDED and v is not None}


def with_system(messages: Sequence[Message], system_prompt: str | None) -> tuple[Message, ...]:
    """The specialist's system prompt first in the leading system message (the
    client's system text follows it in the same message)."""
    if not system_prompt:
        return tuple(messages)
    return tuple(node.merge_system(messages, system_prompt, first=True))


def call_params(
    request: Mapping[str, Any], specialist: Specialist | None, override: Mapping[str, Any] = EMPTY
) -> dict[str, Any]:
    """The request's params, then the specialist's, then the strategy's; a None in a
    later layer removes the key (a critique call without the client's tools)."""
    base = specialist.params if specialist else EMPTY
    return {k: v for k, v in {**request, **base, **override}.items() if v is not None}
