"""semantic: the specialist whose example prompts are closest to the request.

The examples (and descriptions) are embedded once per board with a local embedding
model; each request costs one embedding of the last user message and a dot product.
The chosen specialist's answer streams straight to the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..context import BoardContext
from ..errors import BoardConfigError
from ..hookspecs import hookimpl
from ..types import BoardRequest, Call, Route, Specialist
from ..validation import not_a_specialist


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    embedding_model: str = Field(description="an embedding model name (local is fastest)")
    use_descriptions: bool = Field(default=True, description="embed descriptions as examples")
    min_score: float | None = Field(default=None, description="below this, use `fallback`")
    fallback: str | None = Field(default=None, description="specialist for unclear requests")

    @model_validator(mode="after")
    def _both_or_neither(self) -> Params:
        if (self.min_score is None) != (self.fallback is None):
            raise ValueError("min_score and fallback go together")
        return self


@dataclass(frozen=True)
class Index:
    owners: tuple[str, ...]  # the specialist of each row
    vectors: NDArray[np.float32]  # unit rows


def unit(rows: Sequence[Sequence[float]]) -> NDArray[np.float32]:
    matrix = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)  # type: ignore[no-any-return]


def best_per_specialist(index: Index, query: NDArray[np.float32]) -> dict[str, float]:
    """Each specialist's score: its closest example's cosine similarity."""
    sims = index.vectors @ query
    scores: dict[str, float] = {}
    for owner, sim in zip(index.owners, sims.tolist(), strict=True):
        scores[owner] = max(scores.get(owner, -1.0), float(sim))
    return scores


def _texts(s: Specialist, use_descriptions: bool) -> list[str]:
    """What a specialist is matched by: its examples, and its description."""
    found = [*s.examples, *([s.description] if use_descriptions else [])]
    return [t for t in found if t.strip()]


class SemanticRouter:
    name = "semantic"
    description = "closest example prompts by embedding similarity (local embedding model)"
    Params = Params

    @hookimpl
    def board_validate(self, board: BoardContext) -> list[str]:
        p: Params = board.params
        problems = not_a_specialist(board, "params.fallback", p.fallback)
        if not any(_texts(s, p.use_descriptions) for s in board.specialists):
            problems.append("specialists: give them examples (or descriptions) to match")
        return problems

    async def _index(self, board: BoardContext, candidates: Sequence[Specialist]) -> Index:
        key = "semantic:" + "\0".join(s.name for s in candidates)
        lock = board.state.setdefault("semantic_lock", asyncio.Lock())
        async with lock:
            if key not in board.state:
                p: Params = board.params
                owners, texts = [], []
                for s in candidates:
                    for text in _texts(s, p.use_descriptions):
                        owners.append(s.name)
                        texts.append(text)
                if not texts:
                    raise BoardConfigError(
                        f"board {board.name!r}: semantic routing needs example prompts"
                    )
                vectors = await board.embed(p.embedding_model, texts)
                board.state[key] = Index(tuple(owners), unit(vectors))
        index: Index = board.state[key]
        return index

    @hookimpl
    async def board_route(
        self, board: BoardContext, request: BoardRequest, candidates: Sequence[Specialist]
    ) -> Route:
        p: Params = board.params
        index = await self._index(board, candidates)
        query = request.query().strip()
        if not query:
            return Route((Call(candidates[0].name),), "semantic: no user text", final=True)
        vector = unit(await board.embed(p.embedding_model, [query]))[0]
        ranked = sorted(best_per_specialist(index, vector).items(), key=lambda kv: -kv[1])
        best, score = ranked[0]
        board.note("semantic_score", round(score, 3))
        runner_up = f", next {ranked[1][0]} {ranked[1][1]:.2f}" if len(ranked) > 1 else ""
        if p.min_score is not None and score < p.min_score and p.fallback:
            reason = f"semantic: best {best} {score:.2f} < {p.min_score:g}; fallback {p.fallback}"
            return Route((Call(p.fallback),), reason, final=True)
        return Route((Call(best),), f"semantic: {best} {score:.2f}{runner_up}", final=True)
