"""pydantic-ai on its OpenAI chat model: a run, streamed text, structured output both as
a forced tool call (its default) and as a response format, a tool round trip, and its
HTTP error carrying OpenAI's codes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic_ai import Agent, NativeOutput
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import (
    ModelRequest,
    ModelResponse,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.usage import UsageLimits

from testbed.proxy import KEY, Proxy

from .common import HELLO, LONG, MISSING, MODEL, SMALL_CONTEXT, City, get_time


def model(proxy: Proxy, name: str = MODEL, key: str = KEY) -> OpenAIChatModel:
    provider = OpenAIProvider(base_url=f"{proxy.base_url}/v1", api_key=key)
    provider.client.max_retries = 0
    return OpenAIChatModel(name, provider=provider)


def agent(proxy: Proxy, name: str = MODEL, **options: Any) -> Agent[None, Any]:
    return Agent(model(proxy, name), model_settings={"max_tokens": 64}, **options)


async def test_a_run_and_streamed_text(proxy: Proxy) -> None:
    assert (await agent(proxy).run(HELLO)).output
    async with agent(proxy).run_stream(HELLO) as run:
        pieces = [piece async for piece in run.stream_text(delta=True)]
    assert len(pieces) > 1 and "".join(pieces)


@pytest.mark.parametrize("output", [City, NativeOutput(City)], ids=["tool", "native"])
async def test_structured_output(proxy: Proxy, output: Any) -> None:
    done = await agent(proxy, output_type=output, retries=2).run(
        "Which city is the capital of France?"
    )
    assert isinstance(done.output, City)


async def test_a_tool_round_trip(proxy: Proxy) -> None:
    """A conversation holding a tool call and its result goes back to the model (as
    tool messages), which answers in the output type (the tiny model, offered the tool
    again, would call it on and on)."""
    history = [
        ModelRequest(parts=[UserPromptPart("What time is it in Tokyo?")]),
        ModelResponse(parts=[ToolCallPart("time_in", {"tz": "Asia/Tokyo"}, "call_1")]),
        ModelRequest(parts=[ToolReturnPart("time_in", get_time("Asia/Tokyo"), "call_1")]),
    ]
    done = await agent(proxy, output_type=City, retries=2).run(
        "Now name Japan's capital.",
        message_history=history,
        usage_limits=UsageLimits(request_limit=3),
    )
    assert isinstance(done.output, City)
    assert done.all_messages()[: len(history)] == history


@pytest.mark.parametrize(
    ("name", "key", "status", "code"),
    [
        (SMALL_CONTEXT, KEY, 400, "context_length_exceeded"),
        (MISSING, KEY, 404, "model_not_found"),
        (MODEL, "sk-wrong", 401, "invalid_api_key"),
    ],
)
async def test_http_errors_carry_openai_s_codes(
    proxy: Proxy, name: str, key: str, status: int, code: str
) -> None:
    with pytest.raises(ModelHTTPError) as caught:
        await Agent(model(proxy, name, key)).run(LONG)
    assert caught.value.status_code == status
    assert isinstance(caught.value.body, dict) and caught.value.body["code"] == code
