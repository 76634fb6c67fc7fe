"""The LiteLLM custom provider: a thin adapter from LiteLLM's call shape to `chat`.

Registered in the proxy config as
    litellm_settings.custom_provider_map:
      - {provider: openvino, custom_handler: litellm_ov_provider.handler.openvino_llm}
Errors are translated here, and only here, into CustomLLMError(status, message).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NoReturn, TypeVar

from litellm.exceptions import ContextWindowExceededError
from litellm.llms.custom_llm import CustomLLM, CustomLLMError
from litellm.types.utils import EmbeddingResponse, GenericStreamingChunk, ModelResponse

from ..core import chat, embeddings
from ..core.assemble import completion, usage
from ..core.runtime import NO_CTX, RequestContext, Runtime, get_runtime
from ..errors import ContextWindowExceeded, ModelUnavailable, NodeError, Overloaded
from ..lru import Lru
from ..redact import public_message
from .internals import is_health_probe
from .routes import PROVIDER

T = TypeVar("T")


_IP_CHARS = re.compile(r"[^0-9A-Fa-f.:, ]")


def _context(litellm_params: dict[str, Any] | None) -> RequestContext:
    """LiteLLM's call id and the client's address (as the proxy saw it, or from
    X-Forwarded-For when `use_x_forwarded_for` is on) for our log line."""
    params = litellm_params or {}
    call_id = params.get("litellm_call_id")
    ip = None
    for key in ("metadata", "litellm_metadata"):
        meta = params.get(key)
        if isinstance(meta, dict) and isinstance(meta.get("requester_ip_address"), str):
            ip = meta["requester_ip_address"]
            break
    client = _IP_CHARS.sub("", ip)[:100] if ip else ""  # a header: nothing but an address
    return RequestContext(
        request_id=str(call_id) if call_id else NO_CTX.request_id, client=client or NO_CTX.client
    )


# Retry-After for refused requests, by LiteLLM call id, until the proxy's response
# header hook (proxy_hooks) picks it up: LiteLLM passes provider headers on only as
# "llm_provider-*". Bounded: entries nobody picks up age out.
_retry_after: Lru[str, int] = Lru(1024)


def pop_retry_after(call_id: object) -> int | None:
    return _retry_after.pop(call_id) if isinstance(call_id, str) else None


def _raise(exc: NodeError, ctx: RequestContext = NO_CTX, model: str = "") -> NoReturn:
    if isinstance(exc, Overloaded) and ctx.request_id != NO_CTX.request_id:
        _retry_after.put(ctx.request_id, exc.retry_after)
    message = public_message(exc.message)
    if isinstance(exc, ContextWindowExceeded):
        # LiteLLM's own type: the router sends it on to `context_window_fallbacks`.
        raise ContextWindowExceededError(message, model=model, llm_provider=PROVIDER) from exc
    raise CustomLLMError(status_code=exc.status_code, message=message) from exc


async def _node_call(
    call: Callable[[], Awaitable[T]], ctx: RequestContext = NO_CTX, model: str = ""
) -> T:
    try:
        return await call()
    except NodeError as exc:
        _raise(exc, ctx, model)


class OpenVINOLLM(CustomLLM):
    """Serves every chat model of the registry; the model name is the registry name.
    `runtime` gives the node's runtime (the process-wide one; tests pass their own)."""

    def __init__(self, runtime: Callable[[], Runtime] = get_runtime) -> None:
        super().__init__()
        self._runtime = runtime

    async def acompletion(
        self,
        model: str,
        messages: list[Any],
        *args: Any,
        optional_params: dict[str, Any],
        litellm_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> ModelResponse:
        runtime = self._runtime()
        if is_health_probe(litellm_params):
            return await _node_call(lambda: _probe_model(runtime, model, "chat"))
        ctx = _context(litellm_params)
        return await _node_call(
            lambda: chat.complete(runtime, model, messages, optional_params, ctx), ctx, model
        )

    async def astreaming(
        self,
        model: str,
        messages: list[Any],
        *args: Any,
        optional_params: dict[str, Any],
        litellm_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenericStreamingChunk]:
        runtime = self._runtime()
        ctx = _context(litellm_params)
        stream = await _node_call(
            lambda: chat.open_stream(runtime, model, messages, optional_params, ctx), ctx, model
        )
        try:
            async for chunk in stream:
                yield chunk
        except NodeError as exc:
            _raise(exc, ctx, model)

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
        if is_health_probe(litellm_params):
            await _node_call(lambda: _probe_model(runtime, model, "embedding"))
            model_response.model = model
            model_response.data = []
            return model_response
        meta = (litellm_params or {}).get("metadata") or {}
        params = {**optional_params, **(meta.get("openvino_params") or {})}
        ctx = _context(litellm_params)
        return await _node_call(
            lambda: embeddings.embed(runtime, model, input, params, model_response, ctx), ctx, model
        )

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        raise CustomLLMError(501, "the openvino provider is async-only; use acompletion")

    def streaming(self, *args: Any, **kwargs: Any) -> Any:
        raise CustomLLMError(501, "the openvino provider is async-only; use astreaming")


async def _probe_model(runtime: Runtime, name: str, mode: str) -> ModelResponse:
    """Answer a health probe without loading a model that is not loaded."""
    model = await runtime.resolve(name, mode)
    if not model.path.exists():
        raise ModelUnavailable(f"model {name!r} cannot be served: its files are missing")
    state = "loaded" if runtime.pool.is_loaded(name) else "not loaded (loads on first use)"
    return completion(name, f"ok: {state}", [], "stop", usage(0, 0))


openvino_llm = OpenVINOLLM()
