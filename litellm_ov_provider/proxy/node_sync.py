"""Node sync: keeps the router's deployments of other nodes equal to what those nodes
list (mesh/), polled every few seconds, and says how each node is doing (/health,
`ov-llm ps`). The nodes come from the config file as written (re-read when it
changes), else OV_NODES."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from ..core.runtime import get_runtime
from ..mesh.discovery import PROBE_TIMEOUT, poll_all
from ..mesh.listing import NodeState, desired_node_deployments, node_deployment_id
from ..mesh.nodes import (
    DEFAULT_POLL_SECONDS,
    NodeConfigError,
    NodeSpec,
    allowed_fails,
    config_problem,
    declared_nodes,
    openvino_section,
    poll_seconds,
)
from ..registry.catalog import file_stamp
from . import internals
from .deployments import is_local, is_node_route
from .sync import apply, notify_synced

log = logging.getLogger(__name__)
_states: list[NodeState] = []
_refused: set[str] = set()
_allowed_fails = [0]


def node_rows() -> list[dict[str, Any]]:
    """Each declared node as /health and `ov-llm ps` show it (never its key)."""
    return [
        {
            "node": s.spec.name,
            "url": s.spec.url,
            "status": "healthy" if s.up else "unhealthy",
            "models": [m.id for m in s.models],
            "since": round(s.since, 1),
            "checked": round(s.checked, 1),
            "error": s.error,
        }
        for s in _states
    ]


def _local_names() -> set[str]:
    registry = get_runtime().catalog.registry
    return set(registry.models) | set(registry.aliases)


def _taken_names() -> set[str]:
    """Names a node may not join: boards, and models this proxy's config or database
    routes elsewhere (a node listing `gpt-4o` must not get a share of that traffic)."""
    return {
        str(d.get("model_name"))
        for d in internals.deployments()
        if not is_local(d) and not is_node_route(str((d.get("model_info") or {}).get("id")))
    }


def apply_nodes() -> bool:
    """Bring the router's node deployments in line with the last polls (on the event
    loop; no I/O). True when the router changed."""
    router = internals.router()
    if router is None:
        return False
    desired, refused = desired_node_deployments(
        _states, _local_names(), _taken_names(), os.environ, _allowed_fails[0]
    )
    for name in set(refused) - _refused:
        log.warning("a node lists %r, a name this proxy routes elsewhere: it keeps it", name)
    _refused.clear()
    _refused.update(refused)
    changed = apply(router, desired, lambda _: None, owned=is_node_route, source="any node")
    if changed:
        internals.publish_model_list()
        notify_synced()  # boards republish what their members support
    return changed


def node_failed(dep_id: str) -> None:
    """A request to a node's deployment could not connect: take that node out of the
    groups others serve now, not at its next poll (LiteLLM does not cool a deployment
    down for a connection error)."""
    for state in _states:
        if state.up and dep_id.startswith(node_deployment_id(state.spec.name, "")):
            log.warning(
                "node %s refused a connection; out of its groups until it answers", state.spec.name
            )
            state.up, state.error = False, "a request could not connect"
            apply_nodes()


@dataclass(frozen=True)
class NodePlan:
    specs: list[NodeSpec]
    every: float
    allowed_fails: int


def read_plan(path: Path | None, env: Mapping[str, str]) -> NodePlan:
    """The nodes the config file (else OV_NODES) declares, and how to poll them;
    NodeConfigError, OSError or YAMLError when it cannot be used."""
    settings = openvino_section(yaml.safe_load(path.read_text()) if path else {})
    return NodePlan(declared_nodes(settings, env), poll_seconds(settings), allowed_fails(settings))


def _adopt(plan: NodePlan) -> None:
    """Use `plan`'s nodes, keeping what the polls found of those already known."""
    known = {s.spec: s for s in _states}
    _states[:] = [known.get(spec) or NodeState(spec) for spec in plan.specs]
    if plan.specs:
        names = ", ".join(f"{s.name} {s.url}" for s in plan.specs)
        log.info("nodes: %s (polled every %g s)", names, plan.every)
    elif known:
        log.info("nodes: none any more")


async def serve_nodes() -> None:
    """Poll the declared nodes for as long as the proxy runs; the config file is
    re-read when it changes (an edit that cannot be used keeps the nodes in use)."""
    path = internals.config_path()
    every, refused = DEFAULT_POLL_SECONDS, ""
    seen: object = object()  # the config file's stamp when last read
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT) as client:
        while True:
            if (stamp := file_stamp(path) if path else None) != seen:
                seen = stamp
                try:
                    plan = await asyncio.to_thread(read_plan, path, os.environ)
                except (NodeConfigError, OSError, ValueError, yaml.YAMLError) as exc:
                    if (why := config_problem(exc)) != refused:
                        refused = why
                        log.error("nodes: %s; the nodes in use stay until it is fixed", why)
                else:
                    refused, every = "", plan.every
                    _allowed_fails[0] = plan.allowed_fails
                    if [s.spec for s in _states] != plan.specs:
                        _adopt(plan)
            try:
                await poll_all(client, _states, os.environ)
                apply_nodes()
            except Exception:  # never the end of polling: the next round tries again
                log.exception("node sync failed")
            await asyncio.sleep(every)
