"""The OpenAI Agents SDK on its chat-completions model: a run, a streamed run, a tool
called and its result returned, structured output, and OpenAI's error codes."""

from __future__ import annotations

import openai
import pytest
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from agents.items import ToolCallItem, ToolCallOutputItem
from openai.types.responses import ResponseTextDeltaEvent

from .common import HELLO, LONG, MODEL, SMALL_CONTEXT, TOKYO, City, get_time

set_tracing_disabled(True)  # no traces sent to OpenAI


def agent(sdk: openai.AsyncOpenAI, model: str = MODEL, **options: object) -> Agent:
    settings = ModelSettings(max_tokens=48, **options.pop("settings", {}))  # type: ignore[arg-type]
    return Agent(
        name="assistant",
        instructions="Answer briefly.",
        model=OpenAIChatCompletionsModel(model=model, openai_client=sdk),
        model_settings=settings,
        **options,  # type: ignore[arg-type]
    )


async def test_a_run_and_a_streamed_run(sdk: openai.AsyncOpenAI) -> None:
    done = await Runner.run(agent(sdk), HELLO)
    assert isinstance(done.final_output, str) and done.final_output
    streamed = Runner.run_streamed(agent(sdk), HELLO)
    deltas = [
        event.data.delta
        async for event in streamed.stream_events()
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent)
    ]
    assert len(deltas) > 1 and "".join(deltas) == streamed.final_output


async def test_a_tool_is_called_and_its_result_used(sdk: openai.AsyncOpenAI) -> None:
    timed = agent(
        sdk,
        tools=[function_tool(get_time)],
        settings={"tool_choice": "get_time"},
        tool_use_behavior="stop_on_first_tool",
    )
    for run in (Runner.run(timed, TOKYO), _streamed(timed)):
        done = await run
        kinds = {type(item) for item in done.new_items}
        assert {ToolCallItem, ToolCallOutputItem} <= kinds
        assert str(done.final_output).startswith("12:00 in ")


async def _streamed(timed: Agent) -> object:
    streamed = Runner.run_streamed(timed, TOKYO)
    async for _ in streamed.stream_events():
        pass
    return streamed


async def test_structured_output(sdk: openai.AsyncOpenAI) -> None:
    done = await Runner.run(agent(sdk, output_type=City), "Which city is the capital of France?")
    assert isinstance(done.final_output, City)


async def test_openai_error_codes_reach_the_agent(sdk: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as overflow:
        await Runner.run(agent(sdk, SMALL_CONTEXT), LONG)
    assert overflow.value.code == "context_length_exceeded"
    with pytest.raises(openai.NotFoundError) as missing:
        await Runner.run(agent(sdk, "no-such-model"), HELLO)
    assert missing.value.code == "model_not_found"
