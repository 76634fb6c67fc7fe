"""router: a model picks the specialists (RouteLLM's and LiteLLM's auto router's idea).

The router model (any proxy model name: a local one, or a remote big box) sees the
specialists' names and descriptions and the request, cut to `budget_chars`, and
answers through a schema that admits only specialist names (routing/picks.py): one,
or up to `max_picks`, who then answer in parallel for the coordinator. Its pick, its
raw answer and the time it took go in the report; its tokens count in the usage. A
router model that times out, fails or names nothing usable never fails the request:
the semantic rule decides when the board has an embedding model and examples, else
`fallback`, else the first specialist.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from ..board.calls import CallFailed
from ..context import BoardContext
from ..errors import BoardError
from ..hookspecs import hookimpl
from ..routing.ask import RouterDecision, RouterFailed, ask_router
from ..types import BoardRequest, Call, Route, Specialist
from ..validation import needs_coordinator, not_a_specialist
from .semantic import has_examples, ranking, semantic_index


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    router_model: str = Field(description="the model that picks (a proxy model name)")
    max_picks: int = Field(default=1, ge=1, le=8, description="more than 1 needs a coordinator")
    budget_chars: int = Field(default=2000, ge=100, description="request text the router sees")
    timeout_seconds: float = Field(default=10.0, gt=0, description="then the fallback decides")
    fallback: str | None = Field(default=None, description="specialist when the router fails")
    embedding_model: str | None = Field(
        default=None, description="with examples: the semantic rule decides when the router fails"
    )


def route_to(picks: Sequence[str], reason: str) -> Route:
    """One pick answers straight to the client; several answer for the coordinator."""
    calls = tuple(Call(p) for p in picks)
    return Route(calls, reason, final=len(calls) == 1)


async def fall_back(
    board: BoardContext,
    candidates: Sequence[Specialist],
    query: str,
    embedding_model: str | None,
    fallback: str | None,
    why: str,
) -> Route:
    """When the router model gave nothing usable: the semantic rule, else `fallback`,
    else the first candidate."""
    board.note("router_failed", why)
    if embedding_model and has_examples(candidates) and len(query.split()) > 1:
        try:
            index = await semantic_index(board, candidates, embedding_model, True)
            best, score = (await ranking(board, index, embedding_model, query))[0]
        except (CallFailed, BoardError) as exc:  # the embedding model is down too
            board.note("semantic_failed", type(exc).__name__)
        else:
            board.note("decided_by", "semantic")
            return route_to([best], f"router: {why}; semantic {best} {score:.2f}")
    chosen = fallback or candidates[0].name
    board.note("decided_by", "fallback")
    return route_to([chosen], f"router: {why}; fallback {chosen}")


def noted(board: BoardContext, decision: RouterDecision) -> None:
    """The router model's decision in the report (names only: reports are logged)."""
    board.note("decided_by", "router model")
    board.note("router_pick", decision.raw)
    board.note("router_answer_exact", decision.exact)
    board.note("router_ms", round(decision.ms, 1))


class RouterModel:
    name = "router"
    description = "a router model picks the specialist(s) through a grammar of their names"
    Params = Params

    @hookimpl
    def board_validate(self, board: BoardContext) -> list[str]:
        p: Params = board.params
        problems = not_a_specialist(board, "params.fallback", p.fallback)
        if p.max_picks > 1:
            problems += needs_coordinator(board)
        return problems

    @hookimpl
    async def board_route(
        self, board: BoardContext, request: BoardRequest, candidates: Sequence[Specialist]
    ) -> Route:
        p: Params = board.params
        query = request.query().strip()
        if not query:
            return await fall_back(board, candidates, query, None, p.fallback, "no user text")
        try:
            decision = await ask_router(
                board,
                p.router_model,
                candidates,
                query,
                max_picks=p.max_picks,
                budget=p.budget_chars,
                seconds=p.timeout_seconds,
            )
        except RouterFailed as exc:
            return await fall_back(
                board, candidates, query, p.embedding_model, p.fallback, str(exc)
            )
        noted(board, decision)
        return route_to(
            decision.picks, f"router: {p.router_model} picked {', '.join(decision.picks)}"
        )
