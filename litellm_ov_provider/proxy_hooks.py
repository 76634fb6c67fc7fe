"""Kept so proxy configs written for 0.1 keep loading: `proxy_hooks.front_door` and
`proxy_hooks.registry_sync` are both the proxy hooks (LiteLLM adds them once)."""

from typing import Any


def __getattr__(name: str) -> Any:
    from .proxy import entrypoints

    if name in ("front_door", "registry_sync"):
        return entrypoints.node_hooks()
    raise AttributeError(name)
