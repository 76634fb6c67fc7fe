"""The Caller `ov-board eval` and `train` use: the proxy over HTTP (openai SDK), so a
board is measured on the same models it serves with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import openai

from ..board.calls import CallFailed, Piece, Reply
from ..types import Message, Usage


class HttpCaller:
    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self._client = client

    async def complete(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> Reply:
        known = {k: v for k, v in params.items() if k in _SDK}
        extra = {k: v for k, v in params.items() if k not in _SDK}
        try:
            r = await self._client.chat.completions.create(
                model=model,
                messages=list(messages),  # type: ignore[arg-type]
                extra_body=extra or None,
                **known,
            )
        except openai.APIStatusError as exc:
            raise CallFailed(str(exc.message), exc.status_code) from None
        except openai.APIError as exc:
            raise CallFailed(str(exc)) from None
        usage = Usage(r.usage.prompt_tokens, r.usage.completion_tokens) if r.usage else Usage()
        choice = r.choices[0]
        message = {"role": "assistant", "content": choice.message.content or ""}
        return Reply(message, choice.finish_reason or "stop", usage)

    async def stream(
        self, model: str, messages: Sequence[Message], params: Mapping[str, Any]
    ) -> AsyncIterator[Piece]:
        raise CallFailed("ov-board measures decisions; it does not stream answers")

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        try:
            r = await self._client.embeddings.create(model=model, input=list(texts))
        except openai.APIStatusError as exc:
            raise CallFailed(str(exc.message), exc.status_code) from None
        except openai.APIError as exc:
            raise CallFailed(str(exc)) from None
        return [list(d.embedding) for d in r.data]


_SDK = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "stop",
        "seed",
        "response_format",
        "tools",
        "tool_choice",
    }
)
