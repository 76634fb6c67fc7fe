"""Boards inside the LiteLLM proxy: the `board` provider, its router caller, declared boards."""

from typing import Any


def __getattr__(name: str) -> Any:
    """What a proxy config names (`board_llm`): see proxy/entrypoints.py."""
    from .entrypoints import resolve

    return resolve(name)
