"""The objects a proxy config names, made when LiteLLM's config loading asks for them
(`litellm_ov_provider.proxy.<name>`, resolved by proxy/__init__.py), never at import.

    litellm_settings:
      custom_provider_map:
        - {provider: openvino, custom_handler: litellm_ov_provider.proxy.openvino_llm}
      callbacks: [litellm_ov_provider.proxy.node_hooks]
    general_settings:
      custom_auth: litellm_ov_provider.proxy.master_key_auth

Config loading runs inside the proxy's event loop: the hooks start their work then.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any


@cache
def openvino_llm() -> Any:
    from .provider import OpenVINOLLM

    return OpenVINOLLM()


@cache
def node_hooks() -> Any:
    from .hooks import ProxyHooks

    hooks = ProxyHooks()
    hooks.start()
    return hooks


def master_key_auth() -> Any:
    from .auth import master_key_auth

    return master_key_auth


NAMES: dict[str, Callable[[], Any]] = {
    "openvino_llm": openvino_llm,
    "node_hooks": node_hooks,
    "master_key_auth": master_key_auth,
}


def resolve(name: str) -> Any:
    try:
        make = NAMES[name]
    except KeyError:
        raise AttributeError(name) from None
    return make()
