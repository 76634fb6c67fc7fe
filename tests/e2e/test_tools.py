"""Tool calls and structured output, constrained by OpenVINO GenAI's grammar engine."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import openai
import pytest

from testbed.json_text import written_compact
from testbed.models import DEFAULT

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["c", "f"]},
            },
            "required": ["city", "unit"],
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"tz": {"type": "string"}},
            "required": ["tz"],
        },
    },
}
ASK = [{"role": "user", "content": "What's the weather in Paris?"}]


def _check(call: object, tools: list[dict]) -> None:
    name = call.function.name  # type: ignore[attr-defined]
    schema = next(t["function"]["parameters"] for t in tools if t["function"]["name"] == name)
    jsonschema.validate(json.loads(call.function.arguments), schema)  # type: ignore[attr-defined]


def test_required_tool_choice_returns_a_valid_call(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=DEFAULT, messages=ASK, tools=[WEATHER, TIME], tool_choice="required"
    )
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    for call in choice.message.tool_calls:
        assert call.id.startswith("call_") and call.type == "function"
        _check(call, [WEATHER, TIME])


TOKYO = [{"role": "user", "content": "What time is it in Tokyo?"}]
GET_TIME = {"type": "function", "function": {"name": "get_time"}}


def test_a_named_call_streams_its_name_first_then_its_arguments_in_pieces(
    client: openai.OpenAI,
) -> None:
    """As OpenAI streams a call: the first delta carries the id, type and name, the
    arguments follow as they are written; the call finishes well inside a small
    budget, streamed or not (the JSON is written compact)."""
    ask = {
        "model": DEFAULT,
        "messages": TOKYO,
        "tools": [WEATHER, TIME],
        "tool_choice": GET_TIME,
        "max_tokens": 64,
        "temperature": 0,
    }
    deltas, reasons = [], []
    for chunk in client.chat.completions.create(stream=True, **ask):  # type: ignore[call-overload]
        if chunk.choices:
            deltas += chunk.choices[0].delta.tool_calls or []
            reasons.append(chunk.choices[0].finish_reason)
    assert [r for r in reasons if r] == ["tool_calls"]
    first, rest = deltas[0], deltas[1:]
    assert (first.index, first.type, first.function.name) == (0, "function", "get_time")
    assert first.id and first.id.startswith("call_")
    assert {d.index for d in rest} == {0} and not any(d.id or d.function.name for d in rest)
    pieces = [d.function.arguments for d in deltas if d.function.arguments]
    assert len(pieces) >= 2
    arguments = "".join(pieces)
    jsonschema.validate(json.loads(arguments), TIME["function"]["parameters"])

    unary = client.chat.completions.create(**ask)  # type: ignore[call-overload]
    (call,) = unary.choices[0].message.tool_calls
    assert unary.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_time"
    jsonschema.validate(json.loads(call.function.arguments), TIME["function"]["parameters"])


@pytest.mark.parametrize("stream", [False, True])
def test_a_call_cut_by_max_tokens_is_still_a_call(client: openai.OpenAI, stream: bool) -> None:
    """As OpenAI answers: the half-written call in tool_calls, finish_reason length."""
    ask: dict[str, Any] = {
        "model": DEFAULT,
        "messages": TOKYO,
        "tools": [TIME],
        "tool_choice": GET_TIME,
        "max_tokens": 6,
    }
    if stream:
        deltas, reasons = [], []
        for chunk in client.chat.completions.create(stream=True, **ask):
            if chunk.choices:
                assert not chunk.choices[0].delta.content
                deltas += chunk.choices[0].delta.tool_calls or []
                reasons.append(chunk.choices[0].finish_reason)
        name = "".join(d.function.name or "" for d in deltas if d.function)
        finish = [r for r in reasons if r]
    else:
        choice = client.chat.completions.create(**ask).choices[0]
        assert choice.message.content is None and choice.message.tool_calls
        name, finish = choice.message.tool_calls[0].function.name, [choice.finish_reason]
    assert (name, finish) == ("get_time", ["length"])


def test_tool_results_in_history_are_accepted(client: openai.OpenAI) -> None:
    history = [
        *ASK,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_abc",
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "arguments": '{"city": "Paris", "unit": "c"}',
                    },
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_abc",
            "content": '{"temperature": 18, "sky": "clear"}',
        },
    ]
    r = client.chat.completions.create(
        model=DEFAULT, messages=history, tools=[WEATHER], temperature=0, max_tokens=40
    )
    assert r.choices[0].finish_reason in {"stop", "length", "tool_calls"}
    assert r.usage and r.usage.prompt_tokens > 150  # the tool prompt and result were rendered


def test_auto_tool_choice_answers_with_text_or_a_valid_call(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=DEFAULT, messages=ASK, tools=[WEATHER], max_tokens=60, temperature=0
    )
    msg = r.choices[0].message
    if msg.tool_calls:
        assert r.choices[0].finish_reason == "tool_calls"
        assert all(c.function.name == "get_weather" for c in msg.tool_calls)
    else:
        assert msg.content


def test_json_object_response_parses_and_is_written_compact(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=DEFAULT,
        messages=[{"role": "user", "content": "Describe a cat as JSON."}],
        response_format={"type": "json_object"},
        max_tokens=64,
    )
    text = r.choices[0].message.content or ""
    assert r.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(text), dict)
    assert written_compact(text), text


def test_json_schema_response_validates(client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "age", "tags"],
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        },
    }
    stream = client.chat.completions.create(
        model=DEFAULT,
        messages=[{"role": "user", "content": "Invent a person."}],
        stream=True,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": schema},
        },
        max_tokens=300,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    jsonschema.validate(json.loads(text), schema)


def test_a_huge_length_bound_is_served_through_the_compact_grammar(
    client: openai.OpenAI,
) -> None:
    """GenAI's JSON-schema grammar took 2 s to compile a maxLength of 10**6 (the gate
    refused it); written as the compact grammar it compiles in milliseconds."""
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 10**6}},
        "required": ["name"],
    }
    r = client.chat.completions.create(
        model=DEFAULT,
        messages=[{"role": "user", "content": "Name a cat."}],
        response_format={"type": "json_schema", "json_schema": {"name": "cat", "schema": schema}},
        max_tokens=48,
    )
    text = r.choices[0].message.content or ""
    if r.choices[0].finish_reason == "stop":
        jsonschema.validate(json.loads(text), schema)
    assert text.startswith('{"name":"')
