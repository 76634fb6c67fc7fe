"""LangChain (langchain-openai's ChatOpenAI): invoke, stream, a bound tool, structured
output, and LangChain's own error classes, which it picks from OpenAI's codes."""

from __future__ import annotations

import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAuthenticationError,
    ModelNotFoundError,
)
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from testbed.proxy import KEY, Proxy

from .common import HELLO, LONG, MISSING, MODEL, SMALL_CONTEXT, TOKYO, City, valid_time_arguments
from .common import get_time as time_in


@tool
def get_time(tz: str) -> str:
    """Get the current time in a time zone."""
    return time_in(tz)


def chat(proxy: Proxy, model: str = MODEL, key: str = KEY, **settings: object) -> ChatOpenAI:
    return ChatOpenAI(
        model=model,
        base_url=f"{proxy.base_url}/v1",
        api_key=key,  # type: ignore[arg-type]
        max_retries=0,
        timeout=120,
        **settings,  # type: ignore[arg-type]
    )


def test_invoke_and_stream(proxy: Proxy) -> None:
    llm = chat(proxy, max_tokens=12)
    assert llm.invoke(HELLO).content
    assert "".join(str(piece.content) for piece in llm.stream(HELLO))


def test_a_bound_tool_is_called(proxy: Proxy) -> None:
    llm = chat(proxy, max_tokens=64).bind_tools([get_time], tool_choice="get_time")
    (call,) = llm.invoke(TOKYO).tool_calls  # type: ignore[attr-defined]
    assert call["name"] == "get_time"
    valid_time_arguments(call["args"])
    streamed = None
    for piece in llm.stream(TOKYO):
        streamed = piece if streamed is None else streamed + piece
    assert streamed is not None and [c["name"] for c in streamed.tool_calls] == ["get_time"]


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_structured_output(proxy: Proxy, method: str) -> None:
    llm = chat(proxy, max_tokens=64).with_structured_output(City, method=method)
    assert isinstance(llm.invoke("Which city is the capital of France?"), City)


def test_error_classes(proxy: Proxy) -> None:
    with pytest.raises(ContextOverflowError):
        chat(proxy, SMALL_CONTEXT).invoke(LONG)
    with pytest.raises(ModelNotFoundError):
        chat(proxy, MISSING).invoke(HELLO)
    with pytest.raises(ModelAuthenticationError):
        chat(proxy, key="sk-wrong").invoke(HELLO)
