"""The board's hook specifications (pluggy project "litellm_ov_board").

A plugin is a module (found through the `litellm_ov.board` entry-point group) whose
`board_strategies` hook returns strategy objects. Each strategy object is itself
registered as a plugin, so its `board_route`, `board_coordinate` and `board_validate`
methods are hook implementations; a board only ever calls the hooks of its own
strategy, falling back to the defaults (`router_plugins.board.defaults`) for a hook
the strategy leaves out.

Hooks may be plain or `async def`. Every hook is documented, with an example, in
docs/plugins.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

from .types import Answer, BoardRequest, Failure, Outcome, Route, Specialist

if TYPE_CHECKING:
    from .context import BoardContext

PROJECT = "litellm_ov_board"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def board_strategies() -> Sequence[Any]:  # type: ignore[empty-body]
    """Registration: return the strategy objects this plugin offers.

    A strategy object has a unique `name` (what a board's `strategy:` names), an
    optional `description`, optional pydantic model classes `Params` (the board's
    `params:`) and `SpecialistData` (each specialist's `strategy_data:`), both
    validated before the board's first request with unknown keys refused unless the
    model says `extra="allow"`, and hook implementations (methods decorated with
    `hookimpl`) for `board_route`, `board_coordinate` and `board_validate`. Two
    plugins offering one name is an error naming both.
    """


@hookspec(firstresult=True)
def board_validate(board: BoardContext) -> Sequence[str] | None:
    """Check a declared board before it serves: at proxy startup, by `ov-board check`
    and by `/health`. `board.params` and each specialist's `strategy_data` are already
    validated; check what only the whole board shows (a param naming a specialist the
    board lacks, a coordinator the strategy needs). Return the problems, each naming
    its field (`"params.fast: 'quick' is not a specialist of this board"`); an empty
    list (or None) means the board is usable. Requests never reach a board with
    problems: they get a 503 naming them.
    """


@hookspec(firstresult=True)
def board_route(  # type: ignore[empty-body]
    board: BoardContext, request: BoardRequest, candidates: Sequence[Specialist]
) -> Route | Awaitable[Route]:
    """Router: choose which specialists answer, and say why.

    `candidates` are the board's specialists (name, model, description, example
    prompts). Return a `Route`: the calls to make (one or more, each naming a
    specialist, optionally with parameter overrides or its own messages), a `reason`
    (it is logged at INFO and sent in the response: never put prompt text in it),
    whether they run in parallel (default) or in order until one succeeds, and
    whether the chosen call is the final pass (streamed straight to the client, no
    coordinator).
    """


@hookspec(firstresult=True)
def board_coordinate(  # type: ignore[empty-body]
    board: BoardContext,
    request: BoardRequest,
    answers: Sequence[Answer],
    failures: Sequence[Failure],
) -> Outcome | Awaitable[Outcome]:
    """Coordinator: turn the specialists' answers into the response.

    Called with at least one answer (`failures` lists the calls that errored or timed
    out; the board reports them). Return `Pick(answer, reason)` to send one answer
    unchanged (tool calls included), or `Synthesize(model, messages, reason)` for one
    more pass that streams to the client: `model` is a specialist name (its model,
    system prompt and params apply) or any proxy model name such as the board's
    coordinator.
    """
