"""Running a board's router over labelled prompts: its decisions, nothing answered.

Each prompt goes to the strategy's `board_route` hook exactly as a request would
(with the board's Caller for embeddings and router-model calls), and the first call
of the route is the pick. For `hybrid`, every prompt also gets both opinions (the
semantic rule with its margin, and the router model's) so a sweep of margins can be
scored without asking again.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..board.calls import Caller
from ..board.plugins import Strategy
from ..board.run import BoardRun
from ..context import Board
from ..errors import BoardConfigError
from ..types import BoardRequest, Route
from .ask import RouterFailed
from .labelled import Labelled
from .learned import load_cached, prompt_hash
from .measure import Both, Decision


def _request(board: Board, prompt: str) -> BoardRequest:
    return BoardRequest(board.name, ({"role": "user", "content": prompt},), {})


def known_prompts(board: Board) -> set[str]:
    """Hashes of the prompts the board learned from: its specialists' examples and a
    learned router's training set."""
    known = {prompt_hash(e) for s in board.specialists for e in s.examples}
    model_file = getattr(board.params, "model_file", None)
    if board.strategy == "learned" and isinstance(model_file, str):
        known |= load_cached(model_file).prompts
    return known


async def decide(board: Board, strategy: Strategy, caller: Caller, row: Labelled) -> Decision:
    run = BoardRun(board, strategy, _request(board, row.prompt), caller)
    started = time.monotonic()
    found: Any = strategy.route(
        board=run.context, request=run.request, candidates=board.specialists
    )
    route = await found if inspect.isawaitable(found) else found
    ms = (time.monotonic() - started) * 1000
    if not isinstance(route, Route) or not route.calls:
        raise BoardConfigError(f"board {board.name!r}: its strategy returned no route")
    router = [c for c in run.report.calls if c.label == "router"]
    return Decision(
        label=row.label,
        picked=route.calls[0].specialist,
        ms=ms,
        router_calls=len(router),
        router_tokens=sum(c.usage.total_tokens for c in router),
        decided_by=str(run.report.notes.get("decided_by", "")),
    )


async def decisions(
    board: Board, strategy: Strategy, caller: Caller, rows: Sequence[Labelled]
) -> list[Decision]:
    known = known_prompts(board)
    out = []
    for row in rows:
        d = await decide(board, strategy, caller, row)
        out.append(_flagged(d, prompt_hash(row.prompt) in known, row.line))
    return out


def _flagged(d: Decision, seen: bool, line: int) -> Decision:
    return replace(d, seen_in_training=seen, line=line)


async def both_opinions(
    board: Board, strategy: Strategy, caller: Caller, rows: Sequence[Labelled]
) -> list[Both]:
    """For a hybrid board: each prompt's semantic pick and margin, and the router's,
    by the board's own rules (builtin/hybrid.py)."""
    from ..builtin.hybrid import router_opinion, semantic_opinion, too_short

    p = board.params
    out = []
    for row in rows:
        if too_short(row.prompt):  # `fallback` answers, whatever the margin
            chosen = p.fallback or board.specialists[0].name
            out.append(Both(row.label, chosen, 2.0, chosen, 0))
            continue
        context = BoardRun(board, strategy, _request(board, row.prompt), caller).context
        best, margin = await semantic_opinion(context, board.specialists, p, row.prompt)
        try:
            d = await router_opinion(context, board.specialists, p, row.prompt)
            router, tokens = d.picks[0], d.tokens
        except RouterFailed:
            router, tokens = best, 0  # as the board does: the semantic pick
        out.append(Both(row.label, best, margin, router, tokens))
    return out
