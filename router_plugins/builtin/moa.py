"""moa (mixture of agents): every specialist answers in parallel; the coordinator
model sees the client's conversation plus the answers and writes the final one,
streamed, with the request's tools and response_format."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from ..board.calls import with_system
from ..context import BoardContext
from ..hookspecs import hookimpl
from ..types import Answer, BoardRequest, Call, Route, Specialist, Synthesize
from ..validation import needs_coordinator

PROMPT = (
    "You are the coordinator of a panel of assistants. Their answers to the user's last "
    "message follow. Write the single best response to the user: keep what is correct, "
    "drop what is wrong, do not mention the panel."
)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(default=PROMPT, description="the coordinator's instructions")
    max_answer_chars: int = Field(default=4000, gt=0, description="each answer is cut here")


def panel_text(answers: Sequence[Answer], limit: int) -> str:
    parts = []
    for i, answer in enumerate(answers, 1):
        body = answer.text
        if answer.tool_calls:
            body += "\n[tool calls] " + json.dumps(
                [c.get("function") for c in answer.tool_calls], ensure_ascii=False
            )
        parts.append(f"Answer {i} ({answer.specialist}):\n{body.strip()[:limit]}")
    return "\n\n".join(parts)


class MixtureOfAgents:
    name = "moa"
    description = "specialists answer in parallel, the coordinator synthesizes"
    Params = Params

    @hookimpl
    def board_validate(self, board: BoardContext) -> list[str]:
        return needs_coordinator(board)

    @hookimpl
    def board_route(self, board: BoardContext, candidates: Sequence[Specialist]) -> Route:
        board.require_coordinator()
        return Route(
            calls=tuple(Call(s.name) for s in candidates),
            reason=f"moa: {len(candidates)} specialists in parallel",
        )

    @hookimpl
    def board_coordinate(
        self, board: BoardContext, request: BoardRequest, answers: Sequence[Answer]
    ) -> Synthesize:
        p: Params = board.params
        system = f"{p.prompt}\n\n{panel_text(answers, p.max_answer_chars)}"
        return Synthesize(
            model=board.require_coordinator(),
            messages=with_system(request.messages, system),
            reason=f"moa: synthesized from {len(answers)} answers",
        )
