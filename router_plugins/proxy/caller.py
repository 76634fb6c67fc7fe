"""The Caller inside the proxy: specialists are called through LiteLLM's router, so
its retries, fallbacks and load balancing apply; local embedding models are called
in-process (the semantic router's decision is on the request's critical path)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from litellm_ov_provider import node
from litellm_ov_provider.core.embeddings import embed_locally
from litellm_ov_provider.core.runtime import get_runtime
from litellm_ov_provider.proxy import internals
from litellm_ov_provider.proxy.deployments import is_local
from litellm_ov_provider.proxy.envelope import opened
from litellm_ov_provider.proxy.rewrites import unwrapped
from litellm_ov_provider.proxy.sync import ensure_route

from ..board.calls import NODE_ONLY, CallFailed, Piece, Reply
from ..types import Message, Usage


async def _routed(model: str) -> Any:
    """The router, once it is sure `model` is one of its model names: a board reaches
    only models the proxy declares, each with its own deployment's connection settings
    (a registry model added a moment ago is synced first)."""
    router = internals.router()
    if router is None:
        raise CallFailed("the proxy's router is not ready", 503)
    if not await ensure_route(model):
        raise CallFailed(f"{model!r} is not a model of this proxy", 404)
    return router


def _call_failed(exc: Exception) -> CallFailed:
    """A failed call as the board reports it: the node's own error when it was ours."""
    status = getattr(exc, "status_code", None)
    message = str(getattr(exc, "message", None) or str(exc) or type(exc).__name__)
    text, node = opened(message)
    node = node or {}
    if isinstance(node.get("message"), str):
        text = node["message"]
    param, code = (v if isinstance(v, str) else None for v in (node.get("param"), node.get("code")))
    return CallFailed(
        unwrapped(text), status if isinstance(status, int) else None, param=param, code=code
    )


def _usage(raw: Any) -> Usage:
    if raw is None:
        return Usage()
    return Usage(
        int(getattr(raw, "prompt_tokens", 0) or 0), int(getattr(raw, "completion_tokens", 0) or 0)
    )


def _get(obj: Any, name: str) -> Any:
    """A field of a LiteLLM response part, which may be a dict or an object."""
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _tool_call(raw: Any) -> dict[str, Any]:
    function = _get(raw, "function")
    call: dict[str, Any] = {
        "id": _get(raw, "id"),
        "type": _get(raw, "type") or "function",
        "function": {
            "name": _get(function, "name"),
            "arguments": _get(function, "arguments"),
        },
    }
    index = _get(raw, "index")
    if index is not None:
        call["index"] = index
    return call


def _reply_logprobs(raw: Any) -> tuple[float, ...] | None:
    content = _get(raw, "content") if raw is not None else None
    if not content:
        return None
    return tuple(float(_get(item, "logprob")) for item in content)


def _is_local(model: str) -> bool:
    """Whether this node serves `model` (a registry route)."""
    return any(is_local(d) for d in internals.deployments(model))


def _for(model: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
    """`params` for `model`: our node's own extensions only if it is ours (which also
    takes the OpenAI parameters LiteLLM does not list for it)."""
    if not any(k in params for k in NODE_ONLY):
        return params
    if _is_local(model):
        local = dict(params)
        internals.let_through(local)
        return local
    return {k: v for k, v in params.items() if k not in NODE_ONLY}


class RouterCaller:
    async def complete(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> Reply:
        router = await _routed(model)
        params = _for(model, params)
        try:
            resp = await router.acompletion(model=model, messages=list(messages), **params)
        except Exception as exc:
            raise _call_failed(exc) from exc
        choice = resp.choices[0]
        raw = choice.message
        message: dict[str, Any] = {"role": "assistant", "content": _get(raw, "content")}
        calls = _get(raw, "tool_calls")
        if calls:
            message["tool_calls"] = [_tool_call(c) for c in calls]
        return Reply(
            message=message,
            finish_reason=str(choice.finish_reason or "stop"),
            usage=_usage(getattr(resp, "usage", None)),
            logprobs=_reply_logprobs(getattr(choice, "logprobs", None)),
        )

    async def stream(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> AsyncIterator[Piece]:
        router = await _routed(model)
        params = _for(model, params)
        try:
            resp = await router.acompletion(
                model=model,
                messages=list(messages),
                stream=True,
                stream_options={"include_usage": True},
                **params,
            )
            chunks = aiter(resp)
            first = await anext(chunks)
        except StopAsyncIteration:
            raise CallFailed(f"{model} returned an empty stream", 502) from None
        except Exception as exc:
            raise _call_failed(exc) from exc
        return _pieces_of(first, chunks)

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        try:
            local = await embed_locally(get_runtime(), model, list(texts))
            if local is not None:
                return local
            resp = await (await _routed(model)).aembedding(model=model, input=list(texts))
        except node.NodeError as exc:
            raise CallFailed(f"embedding model {model!r}: {exc.message}", exc.status_code) from exc
        except CallFailed:
            raise
        except Exception as exc:
            raise _call_failed(exc) from exc
        return [list(_get(item, "embedding")) for item in resp.data]


async def _pieces_of(first: Any, chunks: AsyncIterator[Any]) -> AsyncIterator[Piece]:
    chunk = first
    try:
        while True:
            piece = _piece(chunk)
            if piece is not None:
                yield piece
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                return
    finally:
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()


def _piece(chunk: Any) -> Piece | None:
    usage = getattr(chunk, "usage", None)
    choices = getattr(chunk, "choices", None) or []
    text, finish = "", None
    calls: tuple[dict[str, Any], ...] = ()
    if choices:
        delta = choices[0].delta
        text = _get(delta, "content") or ""
        calls = tuple(_tool_call(c) for c in (_get(delta, "tool_calls") or ()))
        finish = choices[0].finish_reason
    if not (text or calls or finish or usage):
        return None
    return Piece(text, calls, finish, _usage(usage) if usage else None)
