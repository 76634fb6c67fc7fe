"""hybrid: the semantic rule decides when it is sure, the router model when it is not.

Sure means the margin between the two best specialists' scores is at least
`margin`; `ov-board eval --write` measures accuracy and router calls along a sweep
of margins on a labelled file and writes the one chosen. The report says which of
the two decided; a failing router model leaves the decision to the semantic rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from ..board.calls import CallFailed
from ..context import BoardContext
from ..errors import BoardError
from ..hookspecs import hookimpl
from ..routing.ask import RouterDecision, RouterFailed, ask_router
from ..types import BoardRequest, Route, Specialist
from ..validation import not_a_specialist
from .router_model import noted, route_to
from .semantic import has_examples, ranking, semantic_index


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    embedding_model: str = Field(description="the semantic rule's embedding model")
    router_model: str = Field(description="asked when the semantic rule is unsure")
    margin: float = Field(
        default=0.04,
        ge=0,
        le=2,
        description="the semantic rule decides at this margin or more (ov-board eval --write)",
    )
    budget_chars: int = Field(default=2000, ge=100)
    timeout_seconds: float = Field(default=10.0, gt=0)
    fallback: str | None = Field(default=None, description="for requests of one word or none")


def margin_of(ranked: Sequence[tuple[str, float]]) -> float:
    return ranked[0][1] - ranked[1][1] if len(ranked) > 1 else 2.0


def too_short(query: str) -> bool:
    """Nothing to match or to ask about: `fallback` answers ("", "hi", "thanks")."""
    return len(query.split()) < 2


async def semantic_opinion(
    board: BoardContext, candidates: Sequence[Specialist], p: Params, query: str
) -> tuple[str, float]:
    """The semantic rule's pick and its margin over the next; margin 0 (the router
    decides) when the embedding model failed."""
    try:
        index = await semantic_index(board, candidates, p.embedding_model, True)
        ranked = await ranking(board, index, p.embedding_model, query)
    except (CallFailed, BoardError) as exc:
        board.note("semantic_failed", type(exc).__name__)
        return p.fallback or candidates[0].name, 0.0
    return ranked[0][0], margin_of(ranked)


async def router_opinion(
    board: BoardContext, candidates: Sequence[Specialist], p: Params, query: str
) -> RouterDecision:
    """The router model's pick (RouterFailed when it gives none)."""
    return await ask_router(
        board, p.router_model, candidates, query, budget=p.budget_chars, seconds=p.timeout_seconds
    )


class Hybrid:
    name = "hybrid"
    description = "semantic when sure (margin), else a router model"
    Params = Params

    @hookimpl
    def board_validate(self, board: BoardContext) -> list[str]:
        p: Params = board.params
        problems = not_a_specialist(board, "params.fallback", p.fallback)
        if not has_examples(board.specialists):
            problems.append("specialists: give them examples (or descriptions) to match")
        return problems

    @hookimpl
    async def board_route(
        self, board: BoardContext, request: BoardRequest, candidates: Sequence[Specialist]
    ) -> Route:
        p: Params = board.params
        query = request.query().strip()
        if too_short(query):
            chosen = p.fallback or candidates[0].name
            board.note("decided_by", "fallback")
            return route_to(
                [chosen], f"hybrid: {'one word' if query else 'no user text'}, {chosen}"
            )
        best, margin = await semantic_opinion(board, candidates, p, query)
        board.note("semantic_margin", round(margin, 3))
        if margin >= p.margin:
            board.note("decided_by", "semantic")
            return route_to([best], f"hybrid: semantic {best}, margin {margin:.2f} >= {p.margin:g}")
        try:
            decision = await router_opinion(board, candidates, p, query)
        except RouterFailed as exc:
            board.note("router_failed", str(exc))
            board.note("decided_by", "semantic")
            return route_to([best], f"hybrid: {exc}; semantic {best}")
        noted(board, decision)
        pick = decision.picks[0]
        return route_to(
            [pick], f"hybrid: margin {margin:.2f} < {p.margin:g}; {p.router_model} picked {pick}"
        )
