"""The `openvino` custom provider: a thin adapter from LiteLLM's call shape to the node
core (core/chat.py, core/embeddings.py), its results mapped once (proxy/wire.py).

Registered in the proxy config as
    litellm_settings.custom_provider_map:
      - {provider: openvino, custom_handler: litellm_ov_provider.proxy.openvino_llm}
Errors are translated here, and only here, into LiteLLM's exceptions.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

from litellm.types.utils import EmbeddingResponse, ModelResponse, ModelResponseStream

from ..core import chat, embeddings
from ..core.cards import PROVIDER, fingerprint
from ..core.runtime import NO_CTX, RequestContext, Runtime, get_runtime
from ..core.types import Completion, completion_id
from ..errors import ModelUnavailable, NodeError, Overloaded
from ..request.embedding import EMBEDDING_PARAMS
from . import internals
from .base import AsyncProvider, ProviderCall, request_context, send_headers
from .wire import StreamShape, embedding_response, litellm_chunks, model_response, node_error

T = TypeVar("T")
# LiteLLM drops an embeddings request's encoding_format/dimensions/keep_alive before a
# custom provider sees them; the pre-call hook carries them here in the metadata.
CARRIED = "openvino_params"


def carry_embedding_params(data: dict[str, Any]) -> None:
    """Move the embedding params of a request body into its metadata (pre-call hook)."""
    carried = {k: data.pop(k) for k in EMBEDDING_PARAMS if data.get(k) is not None}
    if carried:
        data.setdefault("metadata", {})[CARRIED] = carried


def _carried(litellm_params: Mapping[str, Any] | None) -> dict[str, Any]:
    meta = (litellm_params or {}).get("metadata") or {}
    return dict(meta.get(CARRIED) or {})


async def _node_call(call: Callable[[], Awaitable[T]], ctx: RequestContext, model: str) -> T:
    try:
        return await call()
    except NodeError as exc:
        if isinstance(exc, Overloaded):
            send_headers(ctx.request_id, {"retry-after": str(exc.retry_after)})
        raise node_error(exc, model) from exc


class OpenVINOLLM(AsyncProvider):
    """Serves every model of the registry; the model name is the registry name.
    `runtime` gives the node's runtime (the process-wide one; tests pass their own)."""

    provider = PROVIDER

    def __init__(self, runtime: Callable[[], Runtime] = get_runtime) -> None:
        super().__init__()
        self._runtime = runtime

    async def complete(self, call: ProviderCall) -> ModelResponse:
        runtime, model = self._runtime(), call.model
        if internals.is_health_probe(call.litellm_params):
            probed = await _node_call(lambda: _probe(runtime, model, "chat"), NO_CTX, model)
            return model_response(probed)
        ctx, raw = request_context(call.litellm_params), _raw_prompt(call)
        done = await _node_call(
            lambda: chat.complete(runtime, model, call.messages, call.params, ctx, raw), ctx, model
        )
        return model_response(done)

    async def stream(self, call: ProviderCall) -> AsyncIterator[ModelResponseStream]:
        runtime, model = self._runtime(), call.model
        ctx, raw = request_context(call.litellm_params), _raw_prompt(call)
        stream = await _node_call(
            lambda: chat.open_stream(runtime, model, call.messages, call.params, ctx, raw),
            ctx,
            model,
        )
        shape = StreamShape(model, completion_id(), int(time.time()), fingerprint(runtime, model))
        try:
            async for chunk in litellm_chunks(stream, shape):
                yield chunk
        except NodeError as exc:
            raise node_error(exc, model) from exc
        finally:
            await stream.aclose()  # type: ignore[attr-defined]

    async def aembedding(
        self,
        model: str,
        input: Any,
        model_response: EmbeddingResponse,
        *args: Any,
        optional_params: dict[str, Any],
        litellm_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> EmbeddingResponse:
        runtime = self._runtime()
        if internals.is_health_probe(litellm_params):
            await _node_call(lambda: _probe(runtime, model, "embedding"), NO_CTX, model)
            model_response.model, model_response.data = model, []
            return model_response
        params = {**optional_params, **_carried(litellm_params)}
        ctx = request_context(litellm_params)
        done = await _node_call(
            lambda: embeddings.embed(runtime, model, input, params, ctx), ctx, model
        )
        return embedding_response(done, model_response)


def _raw_prompt(call: ProviderCall) -> str | None:
    """A text completion's prompt (/v1/completions), which the model continues as
    written, as OpenAI's and llama.cpp's do; LiteLLM hands it over as one user message.
    (A list of prompts stays a chat.)"""
    if not internals.is_text_completion(call.litellm_params) or len(call.messages) != 1:
        return None
    content = call.messages[0].get("content")
    return content if isinstance(content, str) else None


async def _probe(runtime: Runtime, name: str, mode: str) -> Completion:
    """Answer a health probe without loading a model that is not loaded."""
    model = await runtime.resolve(name, mode)
    if not model.path.exists():
        raise ModelUnavailable(f"model {name!r} cannot be served: its files are missing")
    state = "loaded" if runtime.pool.is_loaded(name) else "not loaded (loads on first use)"
    return Completion.text(name, f"ok: {state}")
