"""Refinement loops between routing and the answer (the seed's step 5).

self_refine: one specialist answers, a critic (the same model unless `critic` names
another) reviews it; until the critique passes or `rounds` run out, the specialist
revises. The last revision streams to the client.

teacher_student: the student (fast, first specialist) drafts; the teacher (strong,
last specialist) reads the draft and approves it or, when it is wrong, writes the
corrected answer, streamed to the client.

Both keep the client's tools and response_format on the answering calls (a draft that
is a tool call is sent as it is); the review calls are plain text. Usage is the sum
of every call; the rounds and verdicts (never their text) are in the board report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from ..board.calls import with_system
from ..context import BoardContext
from ..hookspecs import hookimpl
from ..types import (
    Answer,
    BoardRequest,
    Call,
    Message,
    Outcome,
    Pick,
    Route,
    Specialist,
    Synthesize,
)
from .two_roles import TwoRoles

# What a review call must not carry: the client's tools and output format are for the
# answer, not the critique.
PLAIN = {"tools": None, "tool_choice": None, "response_format": None, "n": None}
APPROVAL = "LGTM"
CRITIQUE = (
    "Review the assistant's last answer to the user's request above. Check it for "
    "mistakes, missing parts and unclear wording. If it is correct and complete, reply "
    f"with exactly {APPROVAL}. Otherwise list the problems briefly."
)
REVISE = (
    "A reviewer found these problems in your answer:\n{critique}\n\n"
    "Write the improved answer to the user's request. Reply with the answer only."
)
VERDICT = (
    "A student wrote the draft answer above to the user's request. If it is correct "
    "and complete, reply with exactly APPROVED. If it is wrong or incomplete, reply "
    "with exactly REVISE."
)
TEACH = (
    "A student drafted this answer to the user's last message:\n---\n{draft}\n---\n"
    "It may be wrong. Write the correct, complete answer to the user yourself. Do not "
    "mention the draft or the student."
)


def passes(critique: str, token: str = APPROVAL) -> bool:
    """A critique passes when it says the pass token (and no more than a few words)."""
    words = re.findall(r"[A-Za-z]+", critique)
    return token.lower() in (w.lower() for w in words) and len(words) <= 6


def with_answer(messages: Sequence[Message], answer: Answer, ask: str) -> list[Message]:
    """The conversation, the answer as the assistant's turn, then a user turn `ask`."""
    turn = {"role": "assistant", "content": answer.text}
    return [*messages, turn, {"role": "user", "content": ask}]


class SelfRefineParams(BaseModel):
    rounds: int = Field(default=2, ge=1, le=5, description="critique/revise rounds at most")
    critic: str | None = Field(default=None, description="critiquing model (default: the drafter)")
    critique_max_tokens: int = Field(default=256, ge=8, le=4096)


class SelfRefine:
    name = "self_refine"
    description = "answer, critique, revise until the critique passes (last revision streams)"
    Params = SelfRefineParams

    @hookimpl
    def board_route(self, candidates: Sequence[Specialist]) -> Route:
        return Route((Call(candidates[0].name),), f"self_refine: {candidates[0].name} drafts")

    @hookimpl
    async def board_coordinate(
        self, board: BoardContext, request: BoardRequest, answers: Sequence[Answer]
    ) -> Outcome:
        p: SelfRefineParams = board.params
        current = answers[0]
        if current.tool_calls:
            board.note("rounds", 0)
            return Pick(current, "self_refine: a tool call is sent as it is")
        critic = p.critic or current.specialist
        plain: dict[str, Any] = {**PLAIN, "max_tokens": p.critique_max_tokens}
        verdicts: list[str] = []
        for i in range(1, p.rounds + 1):
            review = await board.ask(
                critic, with_answer(request.messages, current, CRITIQUE), plain, f"critique#{i}"
            )
            ok = passes(review.text)
            verdicts.append("pass" if ok else "revise")
            board.note("rounds", i)
            board.note("verdicts", verdicts)
            if ok:
                return Pick(current, f"self_refine: critique passed in round {i}")
            revise = with_answer(request.messages, current, REVISE.format(critique=review.text))
            if i < p.rounds:
                current = await board.ask(current.specialist, revise, {}, f"revise#{i}")
        return Synthesize(
            current.specialist,
            f"self_refine: revised {p.rounds}x, last revision streams",
            messages=tuple(revise),
            label=f"revise#{p.rounds}",
        )


class TeacherStudentParams(BaseModel):
    student: str | None = Field(default=None, description="default: the first specialist")
    teacher: str | None = Field(default=None, description="default: the last specialist")
    verdict_max_tokens: int = Field(default=4, ge=1, le=64)


class TeacherStudent(TwoRoles):
    name = "teacher_student"
    description = "the fast model drafts; the strong one approves it or writes the correction"
    Params = TeacherStudentParams
    roles = ("student", "teacher")
    route_reason = "teacher_student: {first} drafts"

    @hookimpl
    async def board_coordinate(
        self, board: BoardContext, request: BoardRequest, answers: Sequence[Answer]
    ) -> Outcome:
        p: TeacherStudentParams = board.params
        student, teacher = self.ends(board)
        draft = answers[0]
        if draft.specialist != student or draft.tool_calls:
            board.note("verdict", "none")
            why = "a tool call is sent as it is" if draft.tool_calls else "the student failed"
            return Pick(draft, f"teacher_student: {why}")
        plain = {**PLAIN, "max_tokens": p.verdict_max_tokens}
        review = with_answer(request.messages, draft, VERDICT)
        verdict = await board.ask(teacher, review, plain, "verdict")
        if passes(verdict.text, "APPROVED"):
            board.note("verdict", "approved")
            return Pick(draft, f"teacher_student: {teacher} approved {student}'s draft")
        board.note("verdict", "corrected")
        teach = with_system(request.messages, TEACH.format(draft=draft.text))
        return Synthesize(
            teacher,
            f"teacher_student: {teacher} corrects {student}'s draft",
            messages=tuple(teach),
            label="correction",
        )
