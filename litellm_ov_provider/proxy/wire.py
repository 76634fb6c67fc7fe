"""The node's results and errors as LiteLLM's types: the one place the front door maps
them, for both custom providers (openvino and board)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from litellm.exceptions import ContextWindowExceededError
from litellm.llms.custom_llm import CustomLLMError
from litellm.types.utils import EmbeddingResponse, GenericStreamingChunk, ModelResponse
from litellm.types.utils import Usage as LiteLLMUsage

from ..core.cards import PROVIDER
from ..core.types import Chunk, Completion, Embeddings, Usage
from ..core.wire import choice_json, tool_call_delta_json, usage_json
from ..errors import ContextWindowExceeded, NodeError
from ..redact import public_message


def litellm_usage(use: Usage) -> LiteLLMUsage:
    return LiteLLMUsage(
        prompt_tokens=use.prompt_tokens,
        completion_tokens=use.completion_tokens,
        total_tokens=use.total_tokens,
    )


def model_response(c: Completion) -> ModelResponse:
    """A whole chat completion as LiteLLM's ModelResponse."""
    return ModelResponse(
        id=c.id,
        created=c.created,
        model=c.model,
        object="chat.completion",
        choices=[choice_json(c)],
        usage=litellm_usage(c.usage),
    )


def embedding_response(e: Embeddings, response: EmbeddingResponse) -> EmbeddingResponse:
    response.model = e.model
    response.object = "list"
    response.data = [
        {"object": "embedding", "index": i, "embedding": vector} for i, vector in enumerate(e.data)
    ]
    response.usage = litellm_usage(e.usage)
    return response


def _generic(chunk: Chunk) -> GenericStreamingChunk:
    call = chunk.tool_call
    return {
        "text": chunk.text,
        "tool_use": tool_call_delta_json(call) if call is not None else None,
        "is_finished": False,
        "finish_reason": "",
        "usage": None,
        "index": 0,
    }


async def generic_chunks(
    chunks: AsyncIterator[Chunk], last_fields: Callable[[], dict[str, Any]] = dict
) -> AsyncIterator[GenericStreamingChunk]:
    """Chunks as LiteLLM's GenericStreamingChunk, one held back: the last one carries
    finish_reason and usage together with real content or a tool call, since LiteLLM
    drops the usage of a content-less final chunk and puts an estimate in its place.
    `last_fields()` adds fields to that last chunk (a board's report)."""
    held: GenericStreamingChunk | None = None
    async for chunk in chunks:
        if chunk.text or chunk.tool_call is not None:
            if held is not None:
                yield held
            held = _generic(chunk)
        if chunk.finish_reason is not None:
            last = held or _generic(Chunk())
            held = None
            last["is_finished"] = True
            last["finish_reason"] = chunk.finish_reason
            last["usage"] = usage_json(chunk.usage or Usage())
            last.update(last_fields())
            yield last
    if held is not None:
        yield held


def status_error(status: int, message: str) -> Exception:
    """An error LiteLLM answers with `status` and `message` (freed of paths)."""
    error: Exception = CustomLLMError(status_code=status, message=public_message(message))
    return error


def node_error(exc: NodeError, model: str) -> Exception:
    """A NodeError as the exception LiteLLM turns into the right HTTP answer."""
    if isinstance(exc, ContextWindowExceeded):
        # LiteLLM's own type: the router sends it on to `context_window_fallbacks`.
        message = public_message(exc.message)
        error: Exception = ContextWindowExceededError(message, model=model, llm_provider=PROVIDER)
        return error
    return status_error(exc.status_code, exc.message)
