"""What strategies see and return: plain, frozen data, free of LiteLLM and pluggy.

Messages stay OpenAI-shaped dicts end to end (never flattened into one string), so a
specialist or coordinator receives exactly what the client sent, plus its own
system prompt when the board gives it one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from litellm_ov_provider.node import Usage as Usage  # plugins import it from here
from litellm_ov_provider.node import content_text  # plugins import it from here

Message = Mapping[str, Any]
EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Specialist:
    """One member of a board: a proxy model name plus what it is good at."""

    name: str
    model: str
    description: str = ""
    examples: tuple[str, ...] = ()
    system_prompt: str | None = None
    # request params this specialist always gets
    params: Mapping[str, Any] = field(default_factory=dict)
    timeout: float | None = None  # seconds; None: the board's timeout
    # the strategy's own per-specialist data (its SpecialistData instance, else a dict)
    strategy_data: Any = None


@dataclass(frozen=True)
class BoardRequest:
    """The client's request as the board received it."""

    board: str
    messages: tuple[Message, ...]
    params: Mapping[str, Any]  # tools, tool_choice, response_format, sampling, ...
    stream: bool = False

    def query(self) -> str:
        """The text of the last user message (what routers usually look at)."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return content_text(message.get("content"))
        return ""


@dataclass(frozen=True)
class Call:
    """One call the board makes to a specialist.

    `params` override the request's (e.g. a temperature for sampling); `messages`
    replaces the client's messages when a strategy needs a different conversation
    (a judge, a verifier); by default the specialist gets the client's messages.
    """

    specialist: str
    params: Mapping[str, Any] = field(default_factory=dict)
    messages: tuple[Message, ...] | None = None
    label: str = ""  # how the report names this call (default: the specialist)


@dataclass(frozen=True)
class Route:
    """A router's decision.

    `final=True` with one call (or an ordered list and `sequential=True`) makes that
    call the final pass: it streams straight to the client and no coordinator runs.
    `sequential=True` tries the calls in order and stops at the first that succeeds;
    otherwise they run in parallel.
    """

    calls: tuple[Call, ...]
    reason: str
    sequential: bool = False
    final: bool = False


@dataclass(frozen=True)
class Answer:
    """A specialist's successful answer, exactly as its model returned it."""

    specialist: str
    model: str
    message: Mapping[str, Any]  # role, content, tool_calls: passed through unchanged
    finish_reason: str
    usage: Usage
    seconds: float
    logprobs: tuple[float, ...] | None = None
    label: str = ""

    @property
    def text(self) -> str:
        return content_text(self.message.get("content"))

    @property
    def tool_calls(self) -> Sequence[Mapping[str, Any]]:
        return self.message.get("tool_calls") or ()


@dataclass(frozen=True)
class Failure:
    """A call that errored or timed out; the board drops it and says so."""

    specialist: str
    error: str
    seconds: float
    label: str = ""
    status: int | None = None  # the HTTP status the call failed with, if it had one
    param: str | None = None  # the request field its error names, if any
    code: str | None = None  # its OpenAI error code, if any


@dataclass(frozen=True)
class Pick:
    """The coordinator chose one answer; it reaches the client unchanged."""

    answer: Answer
    reason: str
    notes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Synthesize:
    """The coordinator wants one more pass, streamed to the client.

    `model` is a specialist name (its model, system prompt and params apply) or any
    proxy model name (e.g. the board's coordinator). It answers `messages` (default:
    the client's) with the request's tools and response_format.
    """

    model: str
    reason: str
    messages: tuple[Message, ...] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    label: str = "coordinator"
    notes: Mapping[str, Any] = field(default_factory=dict)


Outcome = Pick | Synthesize
