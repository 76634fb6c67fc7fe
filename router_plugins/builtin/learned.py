"""learned: a classifier trained on the board's own labelled prompts (`ov-board train`).

It embeds the request with the embedding model it was trained on and takes the most
probable specialist; below `min_confidence`, `fallback` answers. The file names its
embedding model and that model's fingerprint: a board whose embedding model differs,
or whose embedding model now returns other vectors, is refused with the reason
(routing/learned.py). Measured on bench/routing_set.json: bench/README.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..context import BoardContext
from ..errors import BoardConfigError
from ..hookspecs import hookimpl
from ..routing.learned import PROBES, LearnedRouter, LearnedRouterError, embeddable, load_cached
from ..types import BoardRequest, Route, Specialist
from ..validation import not_a_specialist
from .router_model import route_to


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_file: str = Field(description="the file ov-board train wrote (relative: to the config)")
    embedding_model: str = Field(description="the embedding model it was trained on")
    min_confidence: float | None = Field(default=None, gt=0, lt=1)
    fallback: str | None = Field(default=None, description="below min_confidence, or no text")

    @model_validator(mode="after")
    def _confidence_needs_fallback(self) -> Params:
        if self.min_confidence is not None and self.fallback is None:
            raise ValueError("min_confidence needs a fallback specialist")
        return self


def file_problems(board: BoardContext, p: Params) -> list[str]:
    try:
        router = load_cached(p.model_file)
    except LearnedRouterError as exc:
        return [f"params.model_file: {exc}"]
    problems = []
    if router.embedding_model != p.embedding_model:
        problems.append(
            f"params.embedding_model: {p.embedding_model!r}, but {p.model_file} was trained on "
            f"{router.embedding_model!r}"
        )
    names = {s.name for s in board.specialists}
    unknown = sorted(set(router.labels) - names)
    if unknown:
        problems.append(
            f"params.model_file: labels {', '.join(unknown)} are not specialists of this board"
        )
    return problems


class Learned:
    name = "learned"
    description = "a classifier trained on labelled prompts (ov-board train)"
    Params = Params

    @hookimpl
    def board_validate(self, board: BoardContext) -> list[str]:
        p: Params = board.params
        return not_a_specialist(board, "params.fallback", p.fallback) + file_problems(board, p)

    async def _router(self, board: BoardContext) -> LearnedRouter:
        p: Params = board.params
        try:
            router = load_cached(p.model_file)
            if board.state.get("learned_checked") is not router:
                router.check_fingerprint(await board.embed(p.embedding_model, PROBES))
                board.state["learned_checked"] = router
        except LearnedRouterError as exc:
            raise BoardConfigError(f"board {board.name!r}: {exc}") from None
        return router

    @hookimpl
    async def board_route(
        self, board: BoardContext, request: BoardRequest, candidates: Sequence[Specialist]
    ) -> Route:
        p: Params = board.params
        router = await self._router(board)
        query = request.query().strip()
        if not query:
            chosen = p.fallback or candidates[0].name
            return route_to([chosen], f"learned: no user text, {chosen}")
        vector = np.asarray(await board.embed(p.embedding_model, [embeddable(query)]), float)
        vector /= np.maximum(np.linalg.norm(vector, axis=1, keepdims=True), 1e-12)  # as trained
        probs = router.probabilities(vector)[0]
        allowed = {s.name for s in candidates}
        ranked = sorted(
            (
                (label, float(pr))
                for label, pr in zip(router.labels, probs, strict=True)
                if label in allowed
            ),
            key=lambda kv: -kv[1],
        )
        if not ranked:
            chosen = p.fallback or candidates[0].name
            return route_to([chosen], f"learned: no candidate among its labels, {chosen}")
        best, confidence = ranked[0]
        board.note("learned_confidence", round(confidence, 3))
        if p.min_confidence is not None and confidence < p.min_confidence and p.fallback:
            return route_to(
                [p.fallback],
                f"learned: {best} {confidence:.2f} < {p.min_confidence:g}; {p.fallback}",
            )
        return route_to([best], f"learned: {best} {confidence:.2f}")
