"""The node's results and errors as OpenAI's JSON (pure).

ov-llm-server answers with these; the front door uses the same error body and the
same logprobs and tool-call shapes inside LiteLLM's responses.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import NodeError
from ..redact import public_message
from .types import (
    Choice,
    Chunk,
    Completion,
    Embeddings,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    Usage,
)


def error_type(status: int) -> str:
    """OpenAI's error type for an HTTP status."""
    if status == 429:
        return "rate_limit_error"
    return "server_error" if status >= 500 else "invalid_request_error"


# What OpenAI says when the key is wrong or missing, with code "invalid_api_key".
INVALID_KEY = "Incorrect or missing API key. Send the proxy's key as a Bearer token."


def error_json(
    status: int,
    message: str,
    param: str | None = None,
    kind: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """{"error": {"message", "type", "param", "code"}} as OpenAI sends it; `code` is
    OpenAI's word for the case (context_length_exceeded, model_not_found,
    invalid_api_key...), else null."""
    if status == 401:
        code = code or "invalid_api_key"
    return {
        "error": {
            "message": message,
            "type": kind or error_type(status),
            "param": param,
            "code": code,
        }
    }


def node_error_json(exc: NodeError) -> dict[str, Any]:
    """A NodeError as an OpenAI error body, its message freed of paths."""
    return error_json(
        exc.status_code, public_message(exc.message), exc.param, exc.error_type, exc.code
    )


def usage_json(use: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": use.prompt_tokens,
        "completion_tokens": use.completion_tokens,
        "total_tokens": use.total_tokens,
    }


def tool_call_json(call: ToolCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }


def tool_call_delta_json(delta: ToolCallDelta) -> dict[str, Any]:
    """A streamed tool-call piece as OpenAI sends it: id, type and name on a call's
    first piece only."""
    out: dict[str, Any] = {"index": delta.index}
    function: dict[str, Any] = {"arguments": delta.arguments}
    if delta.id is not None:
        out.update(id=delta.id, type="function")
    if delta.name is not None:
        function["name"] = delta.name
    out["function"] = function
    return out


def logprob_json(entry: TokenLogprob) -> dict[str, Any]:
    return {
        "token": entry.token,
        "logprob": entry.logprob,
        "bytes": list(entry.token.encode()),
        "top_logprobs": [
            {"token": token, "logprob": lp, "bytes": list(token.encode())}
            for token, lp in entry.top
        ],
    }


def logprobs_json(entries: tuple[TokenLogprob, ...]) -> dict[str, Any]:
    """OpenAI's `choices[].logprobs`."""
    return {"content": [logprob_json(e) for e in entries], "refusal": None}


def message_json(c: Choice) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": c.content}
    if c.reasoning is not None:
        message["reasoning_content"] = c.reasoning
    if c.tool_calls:
        message["tool_calls"] = [tool_call_json(call) for call in c.tool_calls]
    return message


def choice_json(c: Choice) -> dict[str, Any]:
    return {
        "index": c.index,
        "message": message_json(c),
        "logprobs": logprobs_json(c.logprobs) if c.logprobs is not None else None,
        "finish_reason": c.finish_reason,
    }


def completion_json(c: Completion) -> dict[str, Any]:
    return {
        "id": c.id,
        "object": "chat.completion",
        "created": c.created,
        "model": c.model,
        "system_fingerprint": c.system_fingerprint,
        "choices": [choice_json(choice) for choice in c.choices],
        "usage": usage_json(c.usage),
    }


def delta_json(chunk: Chunk) -> dict[str, Any]:
    """A chunk's `delta`: what it adds to its choice."""
    delta: dict[str, Any] = {}
    if chunk.text:
        delta["content"] = chunk.text
    if chunk.reasoning:
        delta["reasoning_content"] = chunk.reasoning
    if chunk.tool_call is not None:
        delta["tool_calls"] = [tool_call_delta_json(chunk.tool_call)]
    return delta


def embeddings_json(e: Embeddings) -> dict[str, Any]:
    return {
        "object": "list",
        "model": e.model,
        "data": [
            {"object": "embedding", "index": i, "embedding": vector}
            for i, vector in enumerate(e.data)
        ],
        "usage": {"prompt_tokens": e.usage.prompt_tokens, "total_tokens": e.usage.total_tokens},
    }


class ChunkWriter:
    """Chunks -> OpenAI `chat.completion.chunk` server-sent events: each choice's first
    delta has the role, every choice has its finish_reason (null until it ends), the
    usage comes alone with `choices: []`."""

    DONE = "data: [DONE]\n\n"

    def __init__(
        self, model: str, response_id: str, created: int, include_usage: bool, fingerprint: str
    ) -> None:
        self.model, self.id, self.created = model, response_id, created
        self.include_usage, self.fingerprint = include_usage, fingerprint
        self._started: set[int] = set()

    def event(self, chunk: Chunk) -> str:
        if chunk.usage is not None:
            return self._sse([], usage_json(chunk.usage)) if self.include_usage else ""
        delta = delta_json(chunk)
        if chunk.index not in self._started:
            self._started.add(chunk.index)
            delta = {"role": "assistant", **delta}
        choice: dict[str, Any] = {
            "index": chunk.index,
            "delta": delta,
            "logprobs": logprobs_json(chunk.logprobs) if chunk.logprobs else None,
            "finish_reason": chunk.finish_reason,
        }
        return self._sse([choice], None)

    def _sse(self, choices: list[dict[str, Any]], usage: dict[str, Any] | None) -> str:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": self.fingerprint,
            "choices": choices,
        }
        if usage is not None:
            body["usage"] = usage
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    @staticmethod
    def error(exc: NodeError) -> str:
        return f"data: {json.dumps(node_error_json(exc))}\n\n"
