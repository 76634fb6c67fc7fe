"""semantic: the specialist whose example prompts are closest to the request.

The examples (and descriptions) are embedded once per board with a local embedding
model; each request costs one embedding of the last user message and a dot product.
The chosen specialist's answer streams straight to the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..context import BoardContext
from ..errors import BoardConfigError
from ..hookspecs import hookimpl
from ..types import BoardRequest, Call, Route, Specialist
from ..validation import not_a_specialist
from .scoring import Index, description_phrases, scores, unit


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    embedding_model: str = Field(description="an embedding model name (local is fastest)")
    use_descriptions: bool = Field(default=True, description="embed descriptions as examples")
    min_score: float | None = Field(default=None, description="below this, use `fallback`")
    fallback: str | None = Field(
        default=None,
        description="specialist for empty, one-word and (with min_score) unclear requests",
    )

    @model_validator(mode="after")
    def _score_needs_fallback(self) -> Params:
        if self.min_score is not None and self.fallback is None:
            raise ValueError("min_score needs a fallback specialist")
        return self


def specialist_texts(s: Specialist, use_descriptions: bool) -> list[str]:
    """What a specialist is matched by: its examples, its description, and the topics
    its description lists."""
    described = [s.description, *description_phrases(s.description)] if use_descriptions else []
    return [t for t in (*s.examples, *described) if t.strip()]


async def semantic_index(
    board: BoardContext, candidates: Sequence[Specialist], model: str, use_descriptions: bool
) -> Index:
    """The candidates' example (and description) vectors, embedded once per board."""
    key = "semantic:" + "\0".join(s.name for s in candidates)
    lock = board.state.setdefault("semantic_lock", asyncio.Lock())
    async with lock:
        if key not in board.state:
            owners, texts = [], []
            for s in candidates:
                for text in specialist_texts(s, use_descriptions):
                    owners.append(s.name)
                    texts.append(text)
            if not texts:
                raise BoardConfigError(
                    f"board {board.name!r}: semantic routing needs example prompts"
                )
            vectors = await board.embed(model, texts)
            board.state[key] = Index(tuple(owners), unit(vectors))
    index: Index = board.state[key]
    return index


async def ranking(
    board: BoardContext, index: Index, model: str, query: str
) -> list[tuple[str, float]]:
    """The specialists by score for `query`, best first."""
    vector = unit(await board.embed(model, [query]))[0]
    return sorted(scores(index, vector).items(), key=lambda kv: -kv[1])


def has_examples(candidates: Sequence[Specialist], use_descriptions: bool = True) -> bool:
    return any(specialist_texts(s, use_descriptions) for s in candidates)


class SemanticRouter:
    name = "semantic"
    description = "closest example prompts by embedding similarity (local embedding model)"
    Params = Params

    @hookimpl
    def board_validate(self, board: BoardContext) -> list[str]:
        p: Params = board.params
        problems = not_a_specialist(board, "params.fallback", p.fallback)
        if not any(specialist_texts(s, p.use_descriptions) for s in board.specialists):
            problems.append("specialists: give them examples (or descriptions) to match")
        return problems

    async def _index(self, board: BoardContext, candidates: Sequence[Specialist]) -> Index:
        p: Params = board.params
        return await semantic_index(board, candidates, p.embedding_model, p.use_descriptions)

    @hookimpl
    async def board_route(
        self, board: BoardContext, request: BoardRequest, candidates: Sequence[Specialist]
    ) -> Route:
        p: Params = board.params
        index = await self._index(board, candidates)
        query = request.query().strip()
        if len(query.split()) < 2:  # nothing to match: "", "hi", "thanks"
            chosen = p.fallback or candidates[0].name
            why = "no user text" if not query else "one word"
            return Route((Call(chosen),), f"semantic: {why}, {chosen}", final=True)
        ranked = await ranking(board, index, p.embedding_model, query)
        best, score = ranked[0]
        board.note("semantic_score", round(score, 3))
        runner_up = f", next {ranked[1][0]} {ranked[1][1]:.2f}" if len(ranked) > 1 else ""
        if p.min_score is not None and score < p.min_score and p.fallback:
            reason = f"semantic: best {best} {score:.2f} < {p.min_score:g}; fallback {p.fallback}"
            return Route((Call(p.fallback),), reason, final=True)
        return Route((Call(best),), f"semantic: {best} {score:.2f}{runner_up}", final=True)
