"""Kept so proxy configs written for 0.1 keep loading (`handler.openvino_llm`)."""

from typing import Any


def __getattr__(name: str) -> Any:
    from .proxy import entrypoints

    if name == "openvino_llm":
        return entrypoints.openvino_llm()
    raise AttributeError(name)
