"""best_of_n: n samples (round-robin over the specialists, each with its own seed);
a majority vote on the final answer picks one, or the coordinator judges."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..context import BoardContext
from ..errors import BoardError
from ..hookspecs import hookimpl
from ..types import Answer, BoardRequest, Call, Pick, Route, Specialist
from ..validation import needs_coordinator

NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(default=3, ge=1, le=16, description="samples per request")
    temperature: float = Field(default=0.8, ge=0, le=2)
    seed: int = Field(default=1, description="sample i gets seed + i")
    vote: Literal["majority", "judge"] = "majority"


def key(answer: Answer) -> str:
    """What votes compare: the tool calls, else the last number, else the words."""
    if answer.tool_calls:
        names = [str((c.get("function") or {}).get("name")) for c in answer.tool_calls]
        return repr(names)
    numbers = NUMBER.findall(answer.text)
    if numbers:
        return str(numbers[-1]).replace(",", ".")
    return " ".join(re.findall(r"\w+", answer.text.lower()))


def majority(answers: Sequence[Answer]) -> tuple[Answer, int]:
    counts = Counter(key(a) for a in answers)
    top = max(counts.values())
    winner = next(a for a in answers if counts[key(a)] == top)  # ties: the earliest
    return winner, top


class BestOfN:
    name = "best_of_n"
    description = "n samples; majority vote (self-consistency) or a judge picks one"
    Params = Params

    @hookimpl
    def board_validate(self, board: BoardContext) -> list[str]:
        p: Params = board.params
        return needs_coordinator(board) if p.vote == "judge" else []

    @hookimpl
    def board_route(self, board: BoardContext, candidates: Sequence[Specialist]) -> Route:
        p: Params = board.params
        if p.vote == "judge":
            board.require_coordinator()
        calls = tuple(
            Call(
                candidates[i % len(candidates)].name,
                params={"temperature": p.temperature, "seed": p.seed + i},
                label=f"{candidates[i % len(candidates)].name}#{i + 1}",
            )
            for i in range(p.n)
        )
        return Route(calls, f"best_of_n: {p.n} samples, {p.vote} vote")

    @hookimpl
    async def board_coordinate(
        self, board: BoardContext, request: BoardRequest, answers: Sequence[Answer]
    ) -> Pick:
        p: Params = board.params
        if p.vote == "judge" and len(answers) > 1:
            try:
                return await self._judge(board, request, answers)
            except (BoardError, ValueError) as exc:
                board.note("judge_failed", type(exc).__name__)
        winner, votes = majority(answers)
        return Pick(winner, f"majority: {votes}/{len(answers)} agree ({winner.label})")

    async def _judge(
        self, board: BoardContext, request: BoardRequest, answers: Sequence[Answer]
    ) -> Pick:
        listing = "\n\n".join(f"[{i}] {a.text.strip()[:2000]}" for i, a in enumerate(answers, 1))
        prompt = (
            f"Question:\n{request.query()}\n\nCandidate answers:\n{listing}\n\n"
            f"Which answer is best? Reply with its number only (1-{len(answers)})."
        )
        verdict = await board.ask(
            board.require_coordinator(),
            [{"role": "user", "content": prompt}],
            {"max_tokens": 4, "temperature": 0},
            "judge",
        )
        found = re.search(r"\d+", verdict.text)
        choice = int(found.group()) if found else 0
        if not 1 <= choice <= len(answers):
            raise ValueError("the judge did not name an answer")
        return Pick(answers[choice - 1], f"judge chose answer {choice} of {len(answers)}")
