"""Helpers for testing a board strategy without a proxy or a model (public API).

    from router_plugins.testing import FakeCaller, make_board, run_board

    board = make_board("keyword", specialists=[{"name": "sql", "model": "m-sql",
                       "strategy_data": {"keywords": ["select"]}}, ...], plugin=my_module)
    result = await run_board(board, "select * from users", FakeCaller())
    assert result.answered == ["sql"]

`make_board` validates a declaration exactly as the proxy does (params, each
specialist's `strategy_data`, the strategy's `board_validate`) and raises
BoardConfigError listing every problem; `context` gives the `board` argument for
calling one hook directly; `run_board` runs a whole request (route, panel,
coordinator, final pass) over a `FakeCaller`, which answers without any model and
records every call.

For routers: `ask_router` asks a router model through the board (its answer held to
a grammar of specialist names: `names_schema`, `parse_picks`), `picks_reply` makes a
FakeCaller's router model answer, `fit_router` trains a learned router on vectors,
and `evaluate_board` measures any board's routing on labelled prompts (what `ov-board
eval` prints), over a FakeCaller or any Caller.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from litellm_ov_provider.node import content_text

from .board.calls import CallFailed, Piece, Reply
from .board.plugins import Plugins, Strategy, load
from .board.run import BoardRun
from .context import Board, BoardContext
from .routing.ask import RouterFailed, ask_router
from .routing.evaluate import decisions
from .routing.labelled import Labelled
from .routing.learned import fit as fit_router
from .routing.measure import Scores, score
from .routing.picks import names_schema, parse_picks
from .types import BoardRequest, Message, Usage
from .validation import validated

__all__ = [
    "BoardResult",
    "FakeCaller",
    "Labelled",
    "RouterFailed",
    "ask_router",
    "context",
    "evaluate_board",
    "fit_router",
    "make_board",
    "names_schema",
    "parse_picks",
    "picks_reply",
    "run_board",
]

Replier = Callable[[str, Sequence[Message], Mapping[str, Any]], str]


def echo(model: str, messages: Sequence[Message], params: Mapping[str, Any]) -> str:
    """The default reply: "<model>: <last message's text>"."""
    return f"{model}: {content_text(messages[-1].get('content')) if messages else ''}"


@dataclass
class FakeCaller:
    """A Caller that answers without models. `replies` maps a model name to its text
    (or to a function of model, messages and params); others answer `echo`. Models in
    `fail` raise (with `status`, `param` and `code`), in `slow` never answer before a
    timeout. A call with `tools` answers with a tool call to the first tool. `calls`
    records every call as (model, messages, params); `embed` returns `embedding(text)`
    per text."""

    replies: Mapping[str, str | Replier] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)
    slow: set[str] = field(default_factory=set)
    status: int = 500
    param: str | None = None  # the request field a failure names, and its error code
    code: str | None = None
    logprobs: tuple[float, ...] = (-0.1, -0.2)
    embedding: Callable[[str], list[float]] = lambda text: [1.0, 0.0]
    calls: list[tuple[str, tuple[Message, ...], dict[str, Any]]] = field(default_factory=list)

    def models(self) -> list[str]:
        """The models called, in order."""
        return [model for model, _, _ in self.calls]

    async def _check(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> None:
        self.calls.append((model, tuple(messages), dict(params)))
        if model in self.slow:
            await asyncio.sleep(3600)
        if model in self.fail:
            raise CallFailed(f"{model} is down", self.status, param=self.param, code=self.code)

    def _text(self, model: str, messages: Sequence[Message], params: Mapping[str, Any]) -> str:
        reply = self.replies.get(model, echo)
        return reply if isinstance(reply, str) else reply(model, messages, params)

    async def complete(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> Reply:
        await self._check(model, messages, params)
        tools = params.get("tools")
        if tools:
            name = tools[0].get("function", {}).get("name", "f")
            call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": name, "arguments": "{}"},
            }
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            return Reply(message, "tool_calls", Usage(3, 2))
        text = self._text(model, messages, params)
        return Reply({"role": "assistant", "content": text}, "stop", Usage(3, 2), self.logprobs)

    async def stream(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> AsyncIterator[Piece]:
        await self._check(model, messages, params)
        words = self._text(model, messages, params).split(" ")

        async def pieces() -> AsyncIterator[Piece]:
            for i, word in enumerate(words):
                yield Piece(text=word if i == 0 else f" {word}")
            yield Piece(finish_reason="stop", usage=Usage(5, len(words)))

        return pieces()

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append((model, tuple({"role": "user", "content": t} for t in texts), {}))
        return [self.embedding(t) for t in texts]


def make_board(
    strategy: str,
    specialists: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any] | None = None,
    coordinator: str | None = None,
    timeout: float = 5.0,
    plugin: Any = None,
    plugins: Plugins | None = None,
    name: str = "board/test",
) -> tuple[Board, Strategy]:
    """A declared board, validated as the proxy validates it. `plugin` is your plugin
    module (or object) registered beside the built-ins, as if it were installed;
    `plugins` replaces the whole set."""
    if plugins is None:
        plugins = load(["builtin"], extra=[("under-test", plugin)] if plugin is not None else ())
    raw = {
        "strategy": strategy,
        "specialists": [dict(s) for s in specialists],
        "coordinator": coordinator,
        "params": dict(params or {}),
        "timeout": timeout,
    }
    return validated(name, raw, plugins)


def _run(
    board: tuple[Board, Strategy],
    messages: str | Sequence[Message],
    caller: FakeCaller | None,
    params: Mapping[str, Any] | None = None,
    stream: bool = False,
) -> BoardRun:
    if isinstance(messages, str):
        messages = ({"role": "user", "content": messages},)
    built, strategy = board
    request = BoardRequest(built.name, tuple(messages), dict(params or {}), stream)
    return BoardRun(built, strategy, request, caller or FakeCaller())


def context(
    board: tuple[Board, Strategy],
    caller: FakeCaller | None = None,
    messages: str | Sequence[Message] = "",
) -> BoardContext:
    """The `board` argument a hook receives, for calling one hook directly: its `ask`
    and `embed` go to `caller` (a new FakeCaller by default) exactly as in a board run,
    over the request `messages`."""
    return _run(board, messages, caller).context


@dataclass(frozen=True)
class BoardResult:
    """One board request's outcome: the text the client got, its finish reason, and
    the report (`body` as in the response's `board` field)."""

    text: str
    finish_reason: str
    body: dict[str, Any]
    run: BoardRun

    @property
    def answered(self) -> list[str]:
        return list(self.body["answered"])


async def run_board(
    board: tuple[Board, Strategy],
    messages: str | Sequence[Message],
    caller: FakeCaller | None = None,
    params: Mapping[str, Any] | None = None,
    stream: bool = False,
) -> BoardResult:
    """Run one request through the board over `caller` (a new FakeCaller by default).
    `messages` may be a plain user prompt; `params` are the request's (tools,
    temperature, response_format...)."""
    run = _run(board, messages, caller, params, stream)
    if stream:
        text, finish = "", ""
        async for piece in await run.stream():
            text += piece.text or ""
            finish = piece.finish_reason or finish
    else:
        answer = await run.complete()
        text, finish = answer.text, answer.finish_reason
    return BoardResult(text, finish, run.report.body(), run)


def picks_reply(*names: str) -> Replier:
    """A FakeCaller reply for a router model that picks `names` (as the grammar would
    have it answer)."""
    body = {"pick": names[0]} if len(names) == 1 else {"picks": list(names)}
    return lambda model, messages, params: json.dumps(body)


async def evaluate_board(
    board: tuple[Board, Strategy], rows: Sequence[tuple[str, str]], caller: Any = None
) -> Scores:
    """Accuracy, recall, confusion and costs of the board's routing on (prompt, label)
    pairs, as `ov-board eval` measures them."""
    built, strategy = board
    labelled = [Labelled(p, label, i + 1) for i, (p, label) in enumerate(rows)]
    found = await decisions(built, strategy, caller or FakeCaller(), labelled)
    return score(found, [s.name for s in built.specialists])
