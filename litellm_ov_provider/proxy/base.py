"""What both custom providers (openvino and board) share: LiteLLM's entry points (async
only), who asked (for the log line), and response headers for the client.

Headers travel one way for both: a provider files them under LiteLLM's call id
(`send_headers`), and the proxy hooks' response-header hook takes them (LiteLLM passes
a provider's own headers on only as "llm_provider-*"). An error response has no
response object to carry them, so they cannot ride on one.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from litellm.llms.custom_llm import CustomLLM, CustomLLMError
from litellm.types.utils import ModelResponse, ModelResponseStream

from ..core.runtime import NO_CTX, RequestContext
from ..lru import Lru
from . import internals

_IP_CHARS = re.compile(r"[^0-9A-Fa-f.:, ]")
# Headers waiting for their response, by call id; bounded: entries nobody takes age out.
_headers: Lru[str, dict[str, str]] = Lru(1024)


@dataclass(frozen=True)
class ProviderCall:
    """One chat call LiteLLM makes into a custom provider."""

    model: str  # without the provider's prefix
    messages: list[Any]
    params: dict[str, Any]  # LiteLLM's optional_params: the request's tools, sampling...
    litellm_params: dict[str, Any]  # LiteLLM's own: call id, metadata, model_info


class AsyncProvider(CustomLLM):
    """A custom provider the proxy calls through `acompletion` / `astreaming` only;
    a subclass answers `complete` and `stream`."""

    provider = ""

    async def complete(self, call: ProviderCall) -> ModelResponse:
        raise NotImplementedError

    def stream(self, call: ProviderCall) -> AsyncIterator[ModelResponseStream]:
        raise NotImplementedError

    async def acompletion(
        self,
        model: str,
        messages: list[Any],
        *args: Any,
        optional_params: dict[str, Any],
        litellm_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> ModelResponse:
        return await self.complete(
            ProviderCall(model, messages, optional_params, litellm_params or {})
        )

    async def astreaming(
        self,
        model: str,
        messages: list[Any],
        *args: Any,
        optional_params: dict[str, Any],
        litellm_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ModelResponseStream]:
        stream = self.stream(ProviderCall(model, messages, optional_params, litellm_params or {}))
        try:
            async for chunk in stream:
                yield chunk
        finally:
            await stream.aclose()  # type: ignore[attr-defined]

    def completion(self, *args: Any, **kwargs: Any) -> Any:
        raise CustomLLMError(501, f"the {self.provider} provider is async-only; use acompletion")

    def streaming(self, *args: Any, **kwargs: Any) -> Any:
        raise CustomLLMError(501, f"the {self.provider} provider is async-only; use astreaming")


def request_context(litellm_params: Mapping[str, Any] | None) -> RequestContext:
    """LiteLLM's call id and the client's address (as the proxy saw it, or from
    X-Forwarded-For when `use_x_forwarded_for` is on), for our log lines."""
    ip = internals.requester_ip(litellm_params)
    client = _IP_CHARS.sub("", ip)[:100] if ip else ""  # a header: nothing but an address
    return RequestContext(
        request_id=internals.call_id(litellm_params) or NO_CTX.request_id,
        client=client or NO_CTX.client,
    )


def send_headers(call_id: str, headers: Mapping[str, str]) -> None:
    """Headers for the response to call `call_id` (merged with any filed before)."""
    if call_id != NO_CTX.request_id:
        _headers.put(call_id, {**(_headers.pop(call_id) or {}), **headers})


def take_headers(call_id: object) -> dict[str, str] | None:
    return _headers.pop(call_id) if isinstance(call_id, str) else None
