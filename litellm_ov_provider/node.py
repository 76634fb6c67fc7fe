"""What other packages (router_plugins) use of the node: one small, stable surface.

Everything else in litellm_ov_provider is the node's own business and may change.
Importing this module does not import LiteLLM (a strategy's unit tests stay fast);
the response builders load it on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import NodeError
from .logs import setup_logging as _setup_logging
from .lru import Lru
from .proxy import internals as litellm_proxy
from .proxy.internals import is_health_probe
from .proxy.routes import PROVIDER
from .redact import public_message
from .registry.entries import read_registry
from .request.checks import CONNECTION_KEYS
from .request.messages import content_text, merge_system
from .settings import get_settings

if TYPE_CHECKING:
    from .core.assemble import HeldBack, chat_response, stream_chunk, usage

_FROM_RESPONSES = frozenset({"HeldBack", "chat_response", "stream_chunk", "usage"})


def __getattr__(name: str) -> Any:
    if name in _FROM_RESPONSES:
        from .core import assemble as responses

        return getattr(responses, name)
    raise AttributeError(name)


__all__ = [
    "CONNECTION_KEYS",
    "HeldBack",
    "Lru",
    "NodeError",
    "chat_response",
    "content_text",
    "deployments",
    "embed_locally",
    "ensure_route",
    "is_health_probe",
    "is_local_route",
    "merge_system",
    "on_routes_synced",
    "public_message",
    "registry_names",
    "router",
    "setup_logging",
    "stream_chunk",
    "update_model_info",
    "usage",
]


def setup_logging() -> None:
    """Our loggers at OV_LOG_LEVEL (idempotent)."""
    _setup_logging(get_settings().log_level)


def router() -> Any:
    """The proxy's LiteLLM router (None outside a running proxy)."""
    return litellm_proxy.router()


def deployments(model_name: str | None = None) -> list[dict[str, Any]]:
    return litellm_proxy.deployments(model_name)


def is_local_route(model: str) -> bool:
    """Whether the proxy serves `model` with this node (a registry route)."""
    return any(
        str((d.get("litellm_params") or {}).get("model", "")).startswith(f"{PROVIDER}/")
        for d in deployments(model)
    )


def update_model_info(dep_id: str, updates: dict[str, Any]) -> None:
    """Merge keys into a deployment's published model_info (a board's capabilities)."""
    litellm_proxy.update_model_info(dep_id, updates)


def on_routes_synced(listener: Callable[[], None]) -> None:
    """Call `listener` (on the event loop) after each registry sync of the proxy."""
    from .proxy.hooks import after_sync

    if listener not in after_sync:
        after_sync.append(listener)


async def ensure_route(model: str) -> bool:
    """Whether the proxy's router knows `model`, after a registry sync if it did not
    (a model added to the registry a moment ago)."""
    current = router()
    if current is None:
        return False
    if model not in current.get_model_names():
        from .proxy.hooks import sync_once

        await sync_once(force=True)
    return model in current.get_model_names()


async def embed_locally(model: str, texts: list[str]) -> list[list[float]] | None:
    """Vectors from a registry embedding model, in-process; None when `model` is not
    one. Raises NodeError when it cannot embed."""
    from .core.embeddings import embed_texts
    from .core.runtime import get_runtime

    runtime = get_runtime()
    local = runtime.catalog.get(model)
    if local is None or local.entry.mode != "embedding":
        return None
    return await embed_texts(runtime, model, texts)


def registry_names() -> set[str]:
    """The model names in the registry file (routes of a running proxy), if readable."""
    settings = get_settings()
    try:
        registry = read_registry(settings.registry_path, settings.root)
    except NodeError:
        return set()
    return set(registry.models) | set(registry.broken)
