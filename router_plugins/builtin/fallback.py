"""fallback: the specialists in the board's order; the first that starts answering
streams to the client."""

from __future__ import annotations

from collections.abc import Sequence

from ..hookspecs import hookimpl
from ..types import Call, Route, Specialist


class Fallback:
    name = "fallback"
    description = "first specialist that succeeds, in the board's order"

    @hookimpl
    def board_route(self, candidates: Sequence[Specialist]) -> Route:
        return Route(
            calls=tuple(Call(s.name) for s in candidates),
            reason="fallback: " + " > ".join(s.name for s in candidates),
            sequential=True,
            final=True,
        )
