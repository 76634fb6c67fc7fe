"""Each declared board publishes what its members support (board/capabilities.py) on
its deployment, where LiteLLM's /model_group/info and the admin UI read it."""

from __future__ import annotations

from typing import Any

from litellm_ov_provider import node
from litellm_ov_provider.proxy import internals

from ..board.capabilities import COST_KEYS, SUPPORT_KEYS, TOKEN_KEYS, board_capabilities, members
from .declarations import declared


def member_info(name: str) -> dict[str, Any] | None:
    """A member's model_info as the router knows it, completed from LiteLLM's model
    map for a remote model (its deployment rarely lists supports_* itself)."""
    found = internals.deployments(name)
    if not found:
        return None
    info = dict(found[0].get("model_info") or {})
    if any(k not in info for k in SUPPORT_KEYS):
        model = (found[0].get("litellm_params") or {}).get("model")
        try:
            import litellm

            known = litellm.get_model_info(str(model))
        except Exception:  # not in LiteLLM's map: nothing more is known
            return info
        info = {**{k: known.get(k) for k in (*SUPPORT_KEYS, *TOKEN_KEYS, *COST_KEYS)}, **info}
    return info


def publish() -> None:
    """Write each declared board's capabilities into its deployment's model_info (on
    the event loop, after a registry sync: a registry model may have come or gone)."""
    for dep in declared():
        info = dep.get("model_info") or {}
        if not isinstance(info.get("id"), str):
            continue
        caps = board_capabilities(member_info(m) for m in members(node.board_declaration(dep)))
        if any(info.get(k) != v for k, v in caps.items()):
            internals.update_model_info(info["id"], caps)
