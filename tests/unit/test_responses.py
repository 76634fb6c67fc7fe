"""Generated text -> neutral chunks (core), and those chunks as each edge writes them:
LiteLLM's chunks for the front door, OpenAI's server-sent events for ov-llm-server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from litellm_ov_provider.core.assemble import StreamAssembler, collect
from litellm_ov_provider.core.tool_calls import assembled
from litellm_ov_provider.core.types import Chunk, TokenLogprob, ToolCallDelta, Usage
from litellm_ov_provider.core.wire import ChunkWriter, completion_json
from litellm_ov_provider.engine.protocol import Sampling
from litellm_ov_provider.proxy.wire import FINISH_REASONS, StreamShape, litellm_chunks
from litellm_ov_provider.request.build import EngineRequest


def req(parse_tools: bool = False, forced: bool = False) -> EngineRequest:
    return EngineRequest(
        messages=[], tools=None, sampling=Sampling(), parse_tools=parse_tools, forced_tool=forced
    )


def test_a_choice_ends_with_its_finish_reason() -> None:
    out = StreamAssembler(req(), index=1)
    chunks = out.feed("Hel") + out.feed("lo") + out.finish("stop")
    assert [c.text for c in chunks] == ["Hel", "lo", ""]
    assert chunks[-1].finish_reason == "stop" and all(c.index == 1 for c in chunks)
    assert all(c.finish_reason is None for c in chunks[:-1])


def test_a_tool_call_streams_and_the_reason_is_tool_calls() -> None:
    out = StreamAssembler(req(parse_tools=True))
    chunks = []
    for piece in ["Sure. <tool", '_call>{"name": "f", "arguments": {}}', "</tool_call>"]:
        chunks += out.feed(piece)
    chunks += out.finish("stop")
    assert chunks[0].text.strip() == "Sure."
    head = chunks[1].tool_call
    assert head is not None and head.name == "f" and head.index == 0 and head.id
    assert assembled([c.tool_call for c in chunks if c.tool_call])[0].arguments == "{}"
    assert chunks[-1].finish_reason == "tool_calls"


def test_a_forced_call_streams_name_first_then_its_arguments() -> None:
    out = StreamAssembler(req(forced=True))
    (head,) = out.feed('{"name": "f", ')  # the name is known: it leaves
    assert head.tool_call is not None and head.tool_call.name == "f"
    (args,) = out.feed('"arguments": {"a": 1}}')
    assert args.tool_call is not None and args.tool_call.arguments == '{"a": 1}'
    (end,) = out.finish("length")  # cut short by max_tokens: a call still, as OpenAI's
    assert end.finish_reason == "length"


def test_a_forced_call_cut_before_its_name_is_whole_is_the_call_it_was_becoming() -> None:
    names = ("get_time", "get_weather", "search")
    for text, name in [('{"name":"get_t', "get_time"), ('{"na', "get_time"), ("", None)]:
        out = StreamAssembler(replace(req(forced=True), forced_names=names))
        chunks = out.feed(text) + out.finish("length")
        calls = [c.tool_call for c in chunks if c.tool_call]
        assert not any(c.text for c in chunks)
        assert [c.name for c in calls] == ([name] if name else [])
        assert chunks[-1].finish_reason == "length"


def test_parallel_tool_calls_false_keeps_the_first_call() -> None:
    two = '<tool_call>{"name": "f", "arguments": {}}</tool_call><tool_call>{"name": "g"'
    out = StreamAssembler(replace(req(parse_tools=True), parallel_calls=False))
    chunks = out.feed(two + ', "arguments": {}}</tool_call>') + out.finish("stop")
    calls = assembled([c.tool_call for c in chunks if c.tool_call])
    assert [c.name for c in calls] == ["f"] and chunks[-1].finish_reason == "tool_calls"


def test_length_reason_survives() -> None:
    out = StreamAssembler(req())
    out.feed("x")
    assert out.finish("length")[-1].finish_reason == "length"


async def _stream(chunks: list[Chunk]) -> AsyncIterator[Chunk]:
    for chunk in chunks:
        yield chunk


TWO_CHOICES = [
    Chunk(0, "Hel", logprobs=(TokenLogprob("Hel", -0.1),)),
    Chunk(1, "Yo", logprobs=(TokenLogprob("Yo", -0.2),)),
    Chunk(0, "lo", logprobs=(TokenLogprob("lo", -0.3),)),
    Chunk(1, finish_reason="length"),
    Chunk(0, finish_reason="stop"),
    Chunk(usage=Usage(3, 3)),
]


async def test_collected_choices_are_the_streamed_ones_assembled() -> None:
    done = await collect("m", _stream(TWO_CHOICES), with_logprobs=True, system_fingerprint="fp_x")
    assert [(c.index, c.content, c.finish_reason) for c in done.choices] == [
        (0, "Hello", "stop"),
        (1, "Yo", "length"),
    ]
    assert [e.token for e in done.choices[0].logprobs or ()] == ["Hel", "lo"]
    body = completion_json(done)
    assert body["system_fingerprint"] == "fp_x" and body["usage"]["total_tokens"] == 6
    assert body["choices"][1]["logprobs"]["content"][0]["top_logprobs"] == []


async def _litellm(chunks: list[Chunk], **kwargs: Any) -> list[dict[str, Any]]:
    shape = StreamShape("m", "chatcmpl-1", 7, "fp_x")
    return [c.model_dump() async for c in litellm_chunks(_stream(chunks), shape, **kwargs)]


async def test_litellm_gets_usage_and_the_finish_on_a_chunk_with_content() -> None:
    """LiteLLM drops the usage of a content-less final chunk: the end rides on the last
    chunk that has text."""
    chunks = [Chunk(0, "Hel"), Chunk(0, "lo"), Chunk(0, finish_reason="stop")]
    out = await _litellm([*chunks, Chunk(usage=Usage(3, 2))], last_fields=lambda: {"extra": 1})
    assert [c["choices"][0]["delta"]["content"] for c in out] == ["Hel", "lo"]
    assert out[0]["choices"][0]["finish_reason"] is None
    assert out[1]["choices"][0]["finish_reason"] == "stop" and out[1]["extra"] == 1
    assert out[1]["usage"]["total_tokens"] == 5 and out[1]["system_fingerprint"] == "fp_x"


async def test_litellm_streams_several_choices_with_each_finish_said_at_the_end() -> None:
    out = await _litellm(TWO_CHOICES)
    assert [(c["choices"][0]["index"], c["choices"][0]["delta"]["content"]) for c in out] == [
        (0, "Hel"),
        (1, "Yo"),
        (0, "lo"),
    ]
    assert out[-1][FINISH_REASONS] == {"0": "stop", "1": "length"}
    assert out[0]["choices"][0]["logprobs"]["content"][0]["token"] == "Hel"


async def test_litellm_tool_call_pieces_keep_openai_delta_shape() -> None:
    first = ToolCallDelta(0, "", id="call_1", name="f")
    more = ToolCallDelta(0, '{"a": 1}')
    end = [Chunk(finish_reason="tool_calls"), Chunk(usage=Usage(1, 1))]
    out = await _litellm([Chunk(tool_call=first), Chunk(tool_call=more), *end])
    (call,) = out[0]["choices"][0]["delta"]["tool_calls"]
    assert call["id"] == "call_1" and call["function"] == {"arguments": "", "name": "f"}
    (more_call,) = out[1]["choices"][0]["delta"]["tool_calls"]
    assert more_call["function"]["arguments"] == '{"a": 1}' and more_call["index"] == 0
    assert out[1]["choices"][0]["finish_reason"] == "tool_calls"


def test_server_sent_events_are_shaped_as_openai_s() -> None:
    writer = ChunkWriter("m", "chatcmpl-1", 7, include_usage=True, fingerprint="fp_x")
    text = "".join(writer.event(c) for c in TWO_CHOICES)
    events = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    first = events[0]["choices"][0]
    assert first["delta"] == {"role": "assistant", "content": "Hel"}
    assert first["finish_reason"] is None and first["logprobs"]["content"][0]["logprob"] == -0.1
    assert events[1]["choices"][0]["delta"]["role"] == "assistant"  # each choice's first
    assert events[3]["choices"][0] == {
        "index": 1,
        "delta": {},
        "logprobs": None,
        "finish_reason": "length",
    }
    assert events[-1]["choices"] == [] and events[-1]["usage"]["total_tokens"] == 6
    assert all(e["system_fingerprint"] == "fp_x" for e in events)
