"""Kept so proxy configs written for 0.1 keep loading (`handler.openvino_llm`)."""

from .proxy.provider import openvino_llm

__all__ = ["openvino_llm"]
