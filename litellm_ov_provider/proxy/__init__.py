"""The LiteLLM adapter: custom provider, proxy hooks, route sync, front door, LiteLLM internals."""

from typing import Any


def __getattr__(name: str) -> Any:
    """What a proxy config names (`openvino_llm`, `node_hooks`, `master_key_auth`):
    see proxy/entrypoints.py."""
    from .entrypoints import resolve

    return resolve(name)
