"""An example third-party strategy: every specialist answers (the default route), and
the shortest non-empty answer wins. It implements only the coordinator hook and
declares its params, as docs/plugins.md walks through."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from router_plugins.context import BoardContext
from router_plugins.hookspecs import hookimpl
from router_plugins.types import Answer, BoardRequest, Failure, Pick


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    penalize_tool_calls: bool = False  # count a tool call as very long


class ShortestAnswer:
    name = "shortest_answer"
    description = "every specialist answers; the shortest answer wins"
    Params = Params

    @hookimpl
    def board_coordinate(
        self,
        board: BoardContext,
        request: BoardRequest,
        answers: Sequence[Answer],
        failures: Sequence[Failure],
    ) -> Pick:
        params: Params = board.params

        def length(answer: Answer) -> int:
            if answer.tool_calls:
                return 10**9 if params.penalize_tool_calls else 0
            return len(answer.text.strip()) or 10**9

        best = min(answers, key=length)
        board.note("lengths", ",".join(f"{a.label}={length(a)}" for a in answers))
        return Pick(best, f"shortest of {len(answers)} answers: {best.label}")


@hookimpl
def board_strategies() -> list[object]:
    return [ShortestAnswer()]
