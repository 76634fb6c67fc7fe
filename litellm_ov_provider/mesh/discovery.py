"""Polling the nodes: each node's /v1/models, all nodes at once, each with a short
timeout; the states say what answered, what it lists, and why the rest did not."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping

import httpx

from .listing import NodeState, parse_listing

log = logging.getLogger(__name__)
PROBE_TIMEOUT = httpx.Timeout(3.0, connect=2.0)


def failure(exc: Exception) -> str:
    """Why a poll failed, in words safe for logs and /health (no key: the request's
    headers are never part of it)."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"/v1/models answered {exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer within the poll timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or host unreachable"
    if isinstance(exc, ValueError):
        return str(exc)[:200]
    return type(exc).__name__


async def poll_node(client: httpx.AsyncClient, state: NodeState, env: Mapping[str, str]) -> bool:
    """One poll of one node, recorded in `state`; True when what it serves changed."""
    key = state.spec.key(env)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    before = (state.up, state.models)
    try:
        answer = await client.get(f"{state.spec.api_base}/models", headers=headers)
        answer.raise_for_status()
        models, skipped = parse_listing(answer.json())
    except (httpx.HTTPError, ValueError) as exc:
        _went(state, up=False, error=failure(exc))
    else:
        if skipped and tuple(skipped) != state.skipped:
            log.warning(
                "node %s lists ids that cannot be model names: %s", state.spec.name, skipped
            )
        state.models, state.skipped = tuple(models), tuple(skipped)
        _went(state, up=True, error=None)
    state.checked = time.time()
    return (state.up, state.models) != before


def _went(state: NodeState, up: bool, error: str | None) -> None:
    if up != state.up or state.since == 0.0:
        state.since = time.time()
        if up:
            log.info(
                "node %s is up at %s (%d models)",
                state.spec.name,
                state.spec.url,
                len(state.models),
            )
        else:
            log.warning("node %s is down: %s", state.spec.name, error)
    state.up, state.error = up, error


async def poll_all(
    client: httpx.AsyncClient, states: list[NodeState], env: Mapping[str, str]
) -> bool:
    """Poll every node at once; True when any node's models or state changed."""
    changed = await asyncio.gather(*(poll_node(client, s, env) for s in states))
    return any(changed)
