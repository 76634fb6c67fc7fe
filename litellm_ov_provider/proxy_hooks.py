"""Kept so proxy configs written for 0.1 keep loading: `litellm_ov_provider.proxy_hooks.front_door`
and `.registry_sync`."""

from .proxy.hooks import front_door, registry_sync

__all__ = ["front_door", "registry_sync"]
