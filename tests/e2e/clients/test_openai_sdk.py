"""The openai SDK, async as agents use it (the sync client runs through the rest of the
e2e suite): chat, stream, a forced tool call, structured output, the error classes."""

from __future__ import annotations

import openai
import pytest

from testbed.proxy import Proxy

from .common import (
    HELLO,
    LONG,
    MISSING,
    MODEL,
    SMALL_CONTEXT,
    TIME_PARAMETERS,
    TOKYO,
    City,
    valid_time_arguments,
)

TIME_TOOL = {"type": "function", "function": {"name": "get_time", "parameters": TIME_PARAMETERS}}


async def test_chat_and_stream(sdk: openai.AsyncOpenAI) -> None:
    ask = {"model": MODEL, "messages": [{"role": "user", "content": HELLO}], "max_tokens": 12}
    done = await sdk.chat.completions.create(**ask)  # type: ignore[call-overload]
    assert done.choices[0].message.content and done.usage and done.usage.completion_tokens
    stream = await sdk.chat.completions.create(stream=True, **ask)  # type: ignore[call-overload]
    assert "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])


async def test_a_forced_tool_call_parses(sdk: openai.AsyncOpenAI) -> None:
    done = await sdk.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": TOKYO}],
        tools=[TIME_TOOL],  # type: ignore[list-item]
        tool_choice={"type": "function", "function": {"name": "get_time"}},
        max_tokens=64,
    )
    (call,) = done.choices[0].message.tool_calls or []
    assert call.function.name == "get_time"  # type: ignore[union-attr]
    valid_time_arguments(call.function.arguments)  # type: ignore[union-attr]


async def test_structured_output_parses_into_the_model(sdk: openai.AsyncOpenAI) -> None:
    done = await sdk.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": "Which city is the capital of France?"}],
        response_format=City,
        max_tokens=64,
    )
    assert isinstance(done.choices[0].message.parsed, City)


async def test_error_classes_and_codes(proxy: Proxy, sdk: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as overflow:
        await sdk.chat.completions.create(
            model=SMALL_CONTEXT, messages=[{"role": "user", "content": LONG}]
        )
    assert overflow.value.code == "context_length_exceeded"
    with pytest.raises(openai.NotFoundError) as missing:
        await sdk.chat.completions.create(
            model=MISSING, messages=[{"role": "user", "content": HELLO}]
        )
    assert missing.value.code == "model_not_found"
    async with openai.AsyncOpenAI(
        base_url=f"{proxy.base_url}/v1", api_key="sk-wrong", max_retries=0
    ) as stranger:
        with pytest.raises(openai.AuthenticationError) as denied:
            await stranger.models.list()
    assert denied.value.code == "invalid_api_key"
