"""Kept so proxy configs written for 0.1 keep loading: `provider.board_llm`, and
`provider.board_hooks`, now the node's proxy hooks (they serve boards too)."""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "board_llm":
        from .proxy.entrypoints import board_llm

        return board_llm()
    if name == "board_hooks":
        from litellm_ov_provider.proxy.entrypoints import node_hooks

        return node_hooks()
    raise AttributeError(name)
