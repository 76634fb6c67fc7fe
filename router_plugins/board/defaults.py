"""What a strategy gets for a hook it leaves out: every specialist answers in
parallel, and the first answer (in the board's order) is the response."""

from __future__ import annotations

from collections.abc import Sequence

from ..context import BoardContext
from ..hookspecs import hookimpl
from ..types import Answer, BoardRequest, Call, Failure, Pick, Route, Specialist


@hookimpl(trylast=True)
def board_route(
    board: BoardContext, request: BoardRequest, candidates: Sequence[Specialist]
) -> Route:
    return Route(
        calls=tuple(Call(s.name) for s in candidates),
        reason="default route: every specialist answers",
    )


@hookimpl(trylast=True)
def board_validate(board: BoardContext) -> Sequence[str]:
    return ()


@hookimpl(trylast=True)
def board_coordinate(
    board: BoardContext,
    request: BoardRequest,
    answers: Sequence[Answer],
    failures: Sequence[Failure],
) -> Pick:
    first = board.first_answer(answers)
    return Pick(first, reason=f"default coordinator: first answer ({first.specialist})")
