"""The node's results and errors as LiteLLM's types: the one place the front door maps
them, for both custom providers (openvino and board). The JSON shapes inside (choices,
logprobs, tool-call pieces) are core/wire.py's, OpenAI's own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from litellm.exceptions import ContextWindowExceededError
from litellm.llms.custom_llm import CustomLLMError
from litellm.types.utils import EmbeddingResponse, ModelResponse, ModelResponseStream
from litellm.types.utils import Usage as LiteLLMUsage

from ..core.cards import PROVIDER
from ..core.types import Chunk, Completion, Embeddings, Usage
from ..core.wire import choice_json, delta_json, error_json, logprobs_json, node_error_json
from ..errors import ContextWindowExceeded, NodeError
from ..redact import public_message
from .envelope import sealed
from .stream_shape import FINISH_REASONS
from .true_usage import record


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
        system_fingerprint=c.system_fingerprint,
        choices=[choice_json(choice) for choice in c.choices],
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


class StreamShape:
    """What every chunk of one stream shares."""

    def __init__(self, model: str, response_id: str, created: int, fingerprint: str) -> None:
        self.model, self.id, self.created, self.fingerprint = (
            model,
            response_id,
            created,
            fingerprint,
        )

    def chunk(self, chunk: Chunk) -> ModelResponseStream:
        choice = {
            "index": chunk.index,
            "delta": delta_json(chunk),
            "logprobs": logprobs_json(chunk.logprobs) if chunk.logprobs else None,
        }
        return ModelResponseStream(
            id=self.id,
            created=self.created,
            model=self.model,
            system_fingerprint=self.fingerprint,
            choices=[choice],
        )


async def litellm_chunks(
    chunks: AsyncIterator[Chunk],
    shape: StreamShape,
    last_fields: Callable[[], dict[str, Any]] | None = None,
) -> AsyncIterator[ModelResponseStream]:
    """Chunks as LiteLLM's ModelResponseStream, one held back: the last one carries the
    finish reason and the usage together with real content, since LiteLLM drops the
    usage of a content-less final chunk and puts an estimate in its place.
    `last_fields()` adds fields to that last chunk (a board's report). Without it, the
    first content chunk is not held (the client's first token would wait a decode
    step for the next); a stream that has no other ends on a content-less chunk, and
    its true usage goes to the guard (true_usage.py)."""
    held: ModelResponseStream | None = None
    finishes: dict[int, str] = {}
    eager = last_fields is None
    async for chunk in chunks:
        if chunk.has_content:
            if held is not None:
                yield held
            held = shape.chunk(chunk)
            if eager:
                yield held
                held, eager = None, False
        if chunk.finish_reason is not None:
            finishes[chunk.index] = chunk.finish_reason
        if chunk.usage is not None:
            if held is None:
                record(shape.id, chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            last = held or shape.chunk(Chunk())
            held = None
            last.choices[0].finish_reason = finishes.get(last.choices[0].index, "stop")
            last.usage = litellm_usage(chunk.usage)
            fields = last_fields() if last_fields is not None else {}
            if len(finishes) > 1:
                fields[FINISH_REASONS] = {str(i): r for i, r in sorted(finishes.items())}
            for key, value in fields.items():
                setattr(last, key, value)
            yield last
    if held is not None:
        yield held


def status_error(
    status: int, message: str, param: str | None = None, code: str | None = None
) -> Exception:
    """An error LiteLLM answers with `status`; the guard gives the client our OpenAI
    error (the message freed of paths, its param and code), sealed in the message."""
    public = public_message(message)
    body = error_json(status, public, param, code=code)["error"]
    error: Exception = CustomLLMError(status_code=status, message=sealed(public, body))
    return error


def node_error(exc: NodeError, model: str) -> Exception:
    """A NodeError as the exception LiteLLM turns into the right HTTP answer."""
    if isinstance(exc, ContextWindowExceeded):
        # LiteLLM's own type: the router sends it on to `context_window_fallbacks`.
        body = node_error_json(exc)["error"]
        message = sealed(body["message"], body)
        error: Exception = ContextWindowExceededError(message, model=model, llm_provider=PROVIDER)
        return error
    return status_error(exc.status_code, exc.message, exc.param, exc.code)
