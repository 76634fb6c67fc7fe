"""cascade: the fast specialist answers first; a weak answer goes to the heavy one.

Confidence signals, any of which escalates: the answer's mean token log-probability
below `min_mean_logprob`, an uncertainty or refusal phrase, a verifier model saying
"no". The escalated pass streams to the client; every response notes whether it
escalated and the board's running share of escalations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..context import BoardContext
from ..hookspecs import hookimpl
from ..types import (
    Answer,
    BoardRequest,
    Outcome,
    Pick,
    Synthesize,
)
from .two_roles import TwoRoles

UNSURE = (
    r"\bI(?:'m| am) not (?:sure|certain)\b",
    r"\bI (?:do not|don't) know\b",
    r"\bI (?:cannot|can't|am unable to|'m unable to) (?:help|answer|assist|provide)\b",
    r"\bas an AI\b",
    r"\bI'm sorry\b",
)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fast: str | None = Field(default=None, description="default: the first specialist")
    heavy: str | None = Field(default=None, description="default: the last specialist")
    min_mean_logprob: float | None = Field(
        default=-1.5, description="escalate below this mean token log-probability"
    )
    check_unsure: bool = Field(default=True, description="escalate uncertainty or refusals")
    verifier: str | None = Field(default=None, description="model asked 'is this right?'")


def mean_logprob(answer: Answer) -> float | None:
    if not answer.logprobs:
        return None
    return sum(answer.logprobs) / len(answer.logprobs)


def escalates_anyway(answer: Answer, check_unsure: bool = True) -> bool:
    """Whether the cascade escalates `answer` whatever its log-probabilities say."""
    return weak_reason(answer, Params(min_mean_logprob=None, check_unsure=check_unsure)) is not None


def unsure(text: str) -> bool:
    return any(re.search(p, text, re.IGNORECASE) for p in UNSURE)


def weak_reason(answer: Answer, p: Params) -> str | None:
    """Why `answer` should be escalated, or None when it may stand."""
    if answer.tool_calls:
        return None  # a tool call is an action, not prose to grade
    if not answer.text.strip():
        return "empty answer"
    if p.check_unsure and unsure(answer.text):
        return "uncertainty or refusal phrase"
    lp = mean_logprob(answer)
    if p.min_mean_logprob is not None and lp is not None and lp < p.min_mean_logprob:
        return f"mean logprob {lp:.2f} < {p.min_mean_logprob:g}"
    return None


class Cascade(TwoRoles):
    name = "cascade"
    description = "fast model first, escalate weak answers to the heavy model"
    Params = Params
    roles = ("fast", "heavy")
    route_reason = "cascade: {first} first, {last} if unsure"
    first_params: ClassVar[Mapping[str, Any]] = MappingProxyType({"logprobs": True})

    @hookimpl
    async def board_coordinate(
        self, board: BoardContext, request: BoardRequest, answers: Sequence[Answer]
    ) -> Outcome:
        p: Params = board.params
        fast, heavy = self.ends(board)
        answer = answers[0]
        lp = mean_logprob(answer)
        if lp is not None:
            board.note("mean_logprob", round(lp, 3))
        if answer.specialist != fast:
            return self._count(board, True, Pick(answer, f"{fast} failed; {heavy} answered"))
        why = weak_reason(answer, p)
        if why is None and p.verifier:
            why = await self._verify(board, request, answer, p.verifier)
        if why is None:
            return self._count(board, False, Pick(answer, f"{fast} confident"))
        return self._count(board, True, Synthesize(heavy, f"escalated: {why}", label=heavy))

    async def _verify(
        self, board: BoardContext, request: BoardRequest, answer: Answer, verifier: str
    ) -> str | None:
        prompt = (
            f"Question:\n{request.query()}\n\nProposed answer:\n{answer.text}\n\n"
            "Is the proposed answer correct and complete? Reply with one word: yes or no."
        )
        verdict = await board.ask(
            verifier, [{"role": "user", "content": prompt}], {"max_tokens": 3}, "verifier"
        )
        agreed = verdict.text.strip().lower().startswith("yes")
        board.note("verifier", "yes" if agreed else "no")  # never the model's text
        return None if agreed else "verifier said no"

    def _count(self, board: BoardContext, escalated: bool, outcome: Outcome) -> Outcome:
        stats = board.state.setdefault("cascade", {"requests": 0, "escalations": 0})
        stats["requests"] += 1
        stats["escalations"] += int(escalated)
        board.note("escalated", escalated)
        board.note("escalation_share", round(stats["escalations"] / stats["requests"], 3))
        board.note("escalations", f"{stats['escalations']}/{stats['requests']}")
        return outcome
