"""What a board can do, from what its specialists can do (pure, but for `publish`).

A board answers with whichever specialists its strategy picks, so it supports a
feature only when every specialist (and its coordinator) does; its context window is
the smallest among them. Published on the board's deployment, where LiteLLM's
/model_group/info and the admin UI read it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from litellm_ov_provider import node

log = logging.getLogger("router_plugins")

SUPPORT_KEYS = (
    "supports_function_calling",
    "supports_tool_choice",
    "supports_parallel_function_calling",
    "supports_response_schema",
    "supports_system_messages",
    "supports_vision",
)
TOKEN_KEYS = ("max_input_tokens", "max_output_tokens")
COST_KEYS = ("input_cost_per_token", "output_cost_per_token")


def board_capabilities(members: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """The model_info keys a board publishes, given its members' model_info (None for
    a member nobody knows: it supports nothing as far as anyone can tell)."""
    infos = [dict(m) if m is not None else {} for m in members]
    out: dict[str, Any] = {
        k: bool(infos) and all(i.get(k) is True for i in infos) for k in SUPPORT_KEYS
    }
    for key in TOKEN_KEYS:
        values = [i.get(key) for i in infos]
        known = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and v > 0]
        out[key] = min(known) if infos and len(known) == len(values) else None
    for key in COST_KEYS:
        if infos and all(i.get(key) == 0 for i in infos):
            out[key] = 0.0  # a board of free (local) models is free; else unknown
    return out


def member_info(name: str) -> dict[str, Any] | None:
    """A member's model_info as the router knows it, completed from LiteLLM's model
    map for a remote model (its deployment rarely lists supports_* itself)."""
    found = node.deployments(name)
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


def members(declared: Any) -> list[str]:
    """The model names a board declaration calls (specialists, then coordinator)."""
    if not isinstance(declared, Mapping):
        return []
    names = [s.get("model") for s in declared.get("specialists") or [] if isinstance(s, Mapping)]
    names.append(declared.get("coordinator"))
    return [n for n in names if isinstance(n, str)]


def publish() -> None:
    """Write each declared board's capabilities into its deployment's model_info (on
    the event loop, after a registry sync: a registry model may have come or gone)."""
    for dep in node.deployments():
        declared = (dep.get("litellm_params") or {}).get("board")
        info = dep.get("model_info") or {}
        if declared is None or not isinstance(info.get("id"), str):
            continue
        caps = board_capabilities(member_info(m) for m in members(declared))
        if any(info.get(k) != v for k, v in caps.items()):
            node.update_model_info(info["id"], caps)
