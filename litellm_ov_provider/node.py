"""What the board layer (router_plugins) uses of the node's own code: one small,
stable surface. Importing it never imports LiteLLM, so a strategy's unit tests stay
fast; the board's proxy side (router_plugins/proxy) uses litellm_ov_provider.proxy.
"""

from __future__ import annotations

from .core.types import Usage
from .errors import NodeError
from .logs import setup_logging as _setup_logging
from .lru import Lru
from .proxy.deployments import BOARD_PROVIDER, board_declaration, is_board
from .redact import public_message
from .registry.entries import read_registry
from .request.checks import CONNECTION_KEYS
from .request.fields import refuse_unsupported
from .request.messages import content_text, merge_system
from .request.sampling import choices
from .settings import get_settings

__all__ = [
    "BOARD_PROVIDER",
    "CONNECTION_KEYS",
    "Lru",
    "NodeError",
    "Usage",
    "board_declaration",
    "choices",
    "content_text",
    "is_board",
    "merge_system",
    "public_message",
    "refuse_unsupported",
    "registry_names",
    "setup_logging",
]


def setup_logging() -> None:
    """Our loggers at OV_LOG_LEVEL (idempotent)."""
    _setup_logging(get_settings().log_level)


def registry_names() -> set[str]:
    """The model names in the registry file (routes of a running proxy), if readable."""
    settings = get_settings()
    try:
        registry = read_registry(settings.registry_path, settings.root)
    except NodeError:
        return set()
    return set(registry.models) | set(registry.broken)
