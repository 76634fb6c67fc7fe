"""Strategies with two roles (cascade: fast and heavy; teacher_student: student and
teacher): both are specialists of the board, two different ones, by default its first
and last. The first answers; if it fails outright, the second does instead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..context import BoardContext
from ..hookspecs import hookimpl
from ..types import Call, Route
from ..validation import pair, pair_problems


class TwoRoles:
    roles: ClassVar[tuple[str, str]]  # the params fields that name the two specialists
    route_reason: ClassVar[str]  # formatted with {first} and {last}
    first_params: ClassVar[Mapping[str, Any]] = {}  # what the first call asks for

    def ends(self, board: BoardContext) -> tuple[str, str]:
        """The first and the second specialist, as the board's params name them."""
        first, last = (getattr(board.params, role) for role in self.roles)
        return pair(board, first, last)

    @hookimpl
    def board_validate(self, board: BoardContext) -> list[str]:
        first, last = ((f"params.{r}", getattr(board.params, r)) for r in self.roles)
        return pair_problems(board, first, last)

    @hookimpl
    def board_route(self, board: BoardContext) -> Route:
        first, last = self.ends(board)
        return Route(
            (Call(first, params=dict(self.first_params)), Call(last)),
            self.route_reason.format(first=first, last=last),
            sequential=True,
        )
