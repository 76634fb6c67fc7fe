"""A node's /v1/models -> router deployments (pure).

Every model a node lists becomes a deployment under its own name, so it joins the
model group of a local registry model of that name and LiteLLM's routing strategy
balances them. Only stable facts of a node's card go into model_info (whether a model
is loaded right now would rewrite the deployment at every poll).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.cards import PROVIDER, capabilities
from ..proxy.deployments import NODE_ID_PREFIX
from ..proxy.envelope import SEAL_HEADER
from .nodes import NodeSpec

NO_KEY = "no-key"  # never LiteLLM's fallback to OPENAI_API_KEY, which would go to the node
# Ollama (`llama3:8b`), vLLM (`org/model`) and our node alike; no wildcards, no spaces.
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}")
# What a card says that does not change while the model is served.
_STABLE = ("mode", "task", "weight_format", "device", "context_length", "supports_reasoning")


@dataclass(frozen=True)
class NodeModel:
    id: str
    info: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class NodeState:
    """What the last polls of one node found."""

    spec: NodeSpec
    up: bool = False
    models: tuple[NodeModel, ...] = ()  # the last listing that answered
    error: str | None = None  # why the last poll failed
    since: float = 0.0  # when `up` last changed
    checked: float = 0.0
    skipped: tuple[str, ...] = ()  # listed ids that cannot be model names here


def node_deployment_id(node: str, model: str) -> str:
    return f"{NODE_ID_PREFIX}{node}:{model}"


def parse_listing(payload: Any) -> tuple[list[NodeModel], list[str]]:
    """The models of an OpenAI /v1/models body, and the ids that cannot be route names
    here; ValueError when the body is not such a listing."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, list):
        raise ValueError("its /v1/models answer has no `data` list")
    models: dict[str, NodeModel] = {}
    skipped: list[str] = []
    for item in data:
        ident = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(ident, str) or not _MODEL_ID.fullmatch(ident) or ".." in ident:
            skipped.append(repr(ident)[:80])
            continue
        info = {k: item[k] for k in _STABLE if k in item}
        if item.get("owned_by") == PROVIDER:
            info["owned_by"] = PROVIDER
        models.setdefault(ident, NodeModel(ident, info))
    return list(models.values()), skipped


def _model_info(spec: NodeSpec, model: NodeModel) -> dict[str, Any]:
    facts = dict(model.info)
    info: dict[str, Any] = {}
    if facts.get("owned_by") == PROVIDER:  # our node: the same capabilities as a local model
        info.update(capabilities(str(facts.get("mode", "chat"))))
    info.update({k: v for k, v in facts.items() if k != "owned_by"})
    if isinstance(facts.get("context_length"), int):
        info["max_input_tokens"] = info["max_tokens"] = facts["context_length"]
    info.update(id=node_deployment_id(spec.name, model.id), node=spec.name, node_url=spec.url)
    return info


def _with_cooldown(dep: dict[str, Any], allowed_fails: int) -> dict[str, Any]:
    dep["model_info"]["allowed_fails"] = allowed_fails
    return dep


def node_deployment(
    spec: NodeSpec, model: NodeModel, api_key: str | None, allowed_fails: int = 0
) -> dict[str, Any]:
    """One deployment: LiteLLM's `openai/` provider at the node's /v1, with the node's
    key as read from the environment (the router resolves no `os.environ/` reference
    in a deployment added at run time; LiteLLM never shows a deployment's api_key).

    `allowed_fails` (LiteLLM's, per deployment): in a model group with other
    deployments, more failures than this within cooldown_time cool the node's deployment down
    for the router's `cooldown_time`; a group of one is never cooled down."""
    params: dict[str, Any] = {
        "model": f"openai/{model.id}",
        "api_base": spec.api_base,
        "api_key": api_key or NO_KEY,
    }
    if spec.timeout is not None:
        params["timeout"] = spec.timeout
    if model.info.get("owned_by") == PROVIDER:  # our node: its errors come back whole
        params["extra_headers"] = {SEAL_HEADER: "1"}
    dep = {"model_name": model.id, "litellm_params": params, "model_info": _model_info(spec, model)}
    return _with_cooldown(dep, allowed_fails)


def desired_node_deployments(
    states: Iterable[NodeState],
    local: set[str],
    taken: set[str],
    env: Mapping[str, str],
    allowed_fails: int = 0,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The deployments the nodes call for, and the names left out (`taken`: boards
    and models this proxy routes elsewhere).

    A node that answers serves everything it lists. A node that stopped answering
    keeps only the models nobody else serves, so their requests fail as what they are
    (the node is down) rather than as an unknown model; the rest leave its groups at
    once instead of waiting for LiteLLM to cool it down."""
    states = list(states)
    live = {m.id for s in states if s.up for m in s.models} | local
    out: list[dict[str, Any]] = []
    refused: list[str] = []
    for state in states:
        for model in state.models:
            if model.id in taken:
                refused.append(model.id)
            elif state.up or model.id not in live:
                key = state.spec.key(env)
                out.append(node_deployment(state.spec, model, key, allowed_fails))
    return out, sorted(set(refused))
