"""OpenAI wire format for the standalone server (pure)."""

from __future__ import annotations

import json
import time
from typing import Any

from litellm.types.utils import GenericStreamingChunk

from ..core.wire import node_error_json
from ..errors import NodeError


class ChunkWriter:
    """GenericStreamingChunk dicts -> OpenAI `chat.completion.chunk` SSE events."""

    def __init__(self, model: str, response_id: str, include_usage: bool) -> None:
        self.model, self.id, self.include_usage = model, response_id, include_usage
        self.created = int(time.time())
        self._first = True

    def event(self, chunk: GenericStreamingChunk) -> str:
        delta: dict[str, Any] = {}
        if self._first:
            delta["role"] = "assistant"
            self._first = False
        if chunk["text"]:
            delta["content"] = chunk["text"]
        if chunk.get("tool_use"):
            delta["tool_calls"] = [chunk["tool_use"]]
        reason = chunk["finish_reason"] if chunk["is_finished"] else None
        out = [self._sse({"index": 0, "delta": delta, "finish_reason": reason})]
        if chunk["is_finished"] and self.include_usage and chunk["usage"]:
            out.append(self._sse(None, usage=dict(chunk["usage"])))
        return "".join(out)

    def _sse(self, choice: dict[str, Any] | None, usage: dict[str, Any] | None = None) -> str:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [choice] if choice is not None else [],
        }
        if usage is not None:
            body["usage"] = usage
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    @staticmethod
    def error(exc: NodeError) -> str:
        return f"data: {json.dumps(node_error_json(exc))}\n\n"

    DONE = "data: [DONE]\n\n"
