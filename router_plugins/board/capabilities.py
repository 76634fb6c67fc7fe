"""What a board can do, from what its specialists can do (pure).

A board answers with whichever specialists its strategy picks, so it supports a
feature only when every specialist (and its coordinator) does; its context window is
the smallest among them. router_plugins/proxy/capabilities.py publishes it on the
board's deployment, where LiteLLM's /model_group/info and the admin UI read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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


def members(declared: Any) -> list[str]:
    """The model names a board declaration calls (specialists, then coordinator)."""
    if not isinstance(declared, Mapping):
        return []
    names = [s.get("model") for s in declared.get("specialists") or [] if isinstance(s, Mapping)]
    names.append(declared.get("coordinator"))
    return [n for n in names if isinstance(n, str)]
