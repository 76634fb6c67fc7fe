"""What a router deployment is (pure): ours or another provider's, a registry route,
a board and its declaration. The one answer to each, for the front door, the route
sync and the board layer."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from ..core.cards import PROVIDER

BOARD_PROVIDER = "board"  # LiteLLM's provider name for boards of specialists
ID_PREFIX = "openvino-registry:"  # the id of every deployment the route sync owns
NODE_ID_PREFIX = "openvino-node:"  # ... the node sync owns (another node's model)
BOARD_ID_PREFIX = "openvino-board:"  # ... the board reload owns (a board edited since start)


def provider_of(deployment: Mapping[str, Any]) -> str:
    """The LiteLLM provider a deployment calls (`openvino` of `openvino/smollm2`)."""
    model = str((deployment.get("litellm_params") or {}).get("model", ""))
    return model.split("/", 1)[0] if "/" in model else ""


def is_board(deployment: Mapping[str, Any]) -> bool:
    """A board of specialists: its model is `board/<name>`."""
    return provider_of(deployment) == BOARD_PROVIDER


def is_local(deployment: Mapping[str, Any]) -> bool:
    """Served by this node (a registry model or family)."""
    return provider_of(deployment) == PROVIDER


def is_ours(deployment: Mapping[str, Any]) -> bool:
    """Served by this project's providers: a registry model or a board."""
    return provider_of(deployment) in (PROVIDER, BOARD_PROVIDER)


def board_declaration(deployment: Mapping[str, Any]) -> Any:
    """A board's `board:` block as the config declares it; None for anything else."""
    return (deployment.get("litellm_params") or {}).get("board") if is_board(deployment) else None


# This front door's own: front doors sharing Redis share LiteLLM's cooldowns and fail
# counts by deployment id, and one door's local model is not another door's.
INSTANCE = secrets.token_hex(4)


def deployment_id(name: str) -> str:
    return f"{ID_PREFIX}{name}@{INSTANCE}"


def is_registry_route(dep_id: str) -> bool:
    """Whether a router deployment id is one of the route sync's (a registry model or
    family)."""
    return dep_id.startswith(ID_PREFIX)


def is_node_route(dep_id: str) -> bool:
    """Whether a deployment id is the node sync's (a model of another node)."""
    return dep_id.startswith(NODE_ID_PREFIX)


def is_reloaded_board(dep_id: str) -> bool:
    return dep_id.startswith(BOARD_ID_PREFIX)


def is_owned(dep_id: str) -> bool:
    """Whether one of our syncs owns a deployment: LiteLLM's own model sync (with
    store_model_in_db) must leave it alone."""
    return is_registry_route(dep_id) or is_node_route(dep_id) or is_reloaded_board(dep_id)
