"""Asking a router model which specialists should answer (the board's extra call).

The call goes through `board.ask`, so it is counted in the response's usage and in
the board's report like any other call. A router model that times out, fails or
names no specialist raises RouterFailed with the reason; the strategy then falls
back, and the client never sees that error.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..board.calls import FORWARDED
from ..context import BoardContext
from ..errors import BoardError
from ..types import Specialist
from .picks import UnusablePick, parse_picks, response_format, router_messages


@dataclass(frozen=True)
class RouterDecision:
    picks: tuple[str, ...]
    raw: str  # the pick as the schema has it ({"pick": ...}): the answer's own text
    #          could carry anything a remote model adds, and reports are logged
    ms: float
    tokens: int  # prompt and completion tokens of the router call
    exact: bool = True  # the answer was that JSON exactly (a grammar-held model's is)


def canonical(picks: tuple[str, ...], max_picks: int) -> str:
    return json.dumps({"pick": picks[0]} if max_picks <= 1 else {"picks": list(picks)})


def valid(text: str, picks: tuple[str, ...]) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return data in ({"pick": picks[0]}, {"picks": list(picks)})


class RouterFailed(Exception):
    """The router model gave no usable pick; `str()` says why (no prompt text)."""


async def ask_router(
    board: BoardContext,
    model: str,
    specialists: Sequence[Specialist],
    query: str,
    *,
    max_picks: int = 1,
    budget: int = 2000,
    seconds: float = 10.0,
) -> RouterDecision:
    """`model`'s pick among `specialists` for `query` (cut to `budget` characters),
    within `seconds`."""
    names = [s.name for s in specialists]
    params: dict[str, Any] = dict.fromkeys(FORWARDED)  # none of the client's settings
    params |= {
        "temperature": 0,
        "max_tokens": 16 + 12 * max_picks,
        "response_format": response_format(names, max_picks),
    }
    messages = router_messages(specialists, query, budget, max_picks)
    started = time.monotonic()
    try:
        answer = await asyncio.wait_for(board.ask(model, messages, params, "router"), seconds)
    except TimeoutError:
        raise RouterFailed(f"router model {model} timed out after {seconds:g} s") from None
    except BoardError as exc:  # its message may quote the request: only the status
        raise RouterFailed(f"router model {model} failed (status {exc.status_code})") from None
    ms = (time.monotonic() - started) * 1000
    tokens = answer.usage.prompt_tokens + answer.usage.completion_tokens
    try:
        picks = parse_picks(answer.text, names, max_picks)
    except UnusablePick as exc:
        raise RouterFailed(str(exc)) from None
    return RouterDecision(picks, canonical(picks, max_picks), ms, tokens, valid(answer.text, picks))
