"""Generated text -> neutral chunks (core), and those chunks as each edge writes them:
LiteLLM's chunks for the front door, OpenAI's server-sent events for ov-llm-server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from litellm_ov_provider.core.assemble import StreamAssembler
from litellm_ov_provider.core.types import Chunk, ToolCallDelta, Usage
from litellm_ov_provider.core.wire import ChunkWriter
from litellm_ov_provider.engine.protocol import Sampling
from litellm_ov_provider.proxy.wire import generic_chunks
from litellm_ov_provider.request.build import EngineRequest


def req(parse_tools: bool = False, forced: bool = False) -> EngineRequest:
    return EngineRequest(
        messages=[], tools=None, sampling=Sampling(), parse_tools=parse_tools, forced_tool=forced
    )


def test_the_last_chunk_says_how_it_finished_with_usage() -> None:
    out = StreamAssembler(req())
    chunks = out.feed("Hel") + out.feed("lo") + out.finish("stop", Usage(3, 2))
    assert [c.text for c in chunks] == ["Hel", "lo", ""]
    assert chunks[-1].finish_reason == "stop" and chunks[-1].usage == Usage(3, 2)
    assert all(c.finish_reason is None and c.usage is None for c in chunks[:-1])


def test_a_tool_call_is_one_chunk_and_the_reason_is_tool_calls() -> None:
    out = StreamAssembler(req(parse_tools=True))
    chunks = []
    for piece in ["Sure. <tool", '_call>{"name": "f", "arguments": {}}', "</tool_call>"]:
        chunks += out.feed(piece)
    chunks += out.finish("stop", Usage(1, 1))
    assert chunks[0].text.strip() == "Sure."
    call = chunks[-2].tool_call
    assert call is not None and call.name == "f" and call.index == 0 and call.id
    assert chunks[-1].finish_reason == "tool_calls"


def test_a_forced_call_is_emitted_once_at_the_end() -> None:
    out = StreamAssembler(req(forced=True))
    assert out.feed('{"name": "f", ') == [] and out.feed('"arguments": {"a": 1}}') == []
    call, end = out.finish("stop", Usage(1, 1))
    assert call.tool_call is not None and call.tool_call.arguments == '{"a": 1}'
    assert end.finish_reason == "tool_calls"


def test_length_reason_survives() -> None:
    out = StreamAssembler(req())
    out.feed("x")
    assert out.finish("length", Usage(1, 1))[-1].finish_reason == "length"


async def _stream(chunks: list[Chunk]) -> AsyncIterator[Chunk]:
    for chunk in chunks:
        yield chunk


async def _litellm(chunks: list[Chunk], **kwargs: Any) -> list[dict[str, Any]]:
    return [dict(c) async for c in generic_chunks(_stream(chunks), **kwargs)]


async def test_litellm_gets_usage_on_a_chunk_with_content() -> None:
    """LiteLLM drops the usage of a content-less final chunk: the end rides on the last
    chunk that has text."""
    end = Chunk(finish_reason="stop", usage=Usage(3, 2))
    out = await _litellm([Chunk("Hel"), Chunk("lo"), end], last_fields=lambda: {"extra": 1})
    assert [c["text"] for c in out] == ["Hel", "lo"]
    assert not out[0]["is_finished"] and out[1]["is_finished"]
    assert out[1]["finish_reason"] == "stop" and out[1]["extra"] == 1
    assert out[1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


async def test_litellm_tool_call_pieces_keep_openai_delta_shape() -> None:
    first = ToolCallDelta(0, "", id="call_1", name="f")
    more = ToolCallDelta(0, '{"a": 1}')
    end = Chunk(finish_reason="tool_calls", usage=Usage(1, 1))
    out = await _litellm([Chunk(tool_call=first), Chunk(tool_call=more), end])
    assert out[0]["tool_use"] == {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"arguments": "", "name": "f"},
    }
    assert out[1]["tool_use"] == {"index": 0, "function": {"arguments": '{"a": 1}'}}
    assert out[1]["finish_reason"] == "tool_calls"


def test_server_sent_events_end_with_an_empty_delta_and_a_usage_chunk() -> None:
    writer = ChunkWriter("m", "chatcmpl-1", 7, include_usage=True)
    text = writer.event(Chunk("Hi")) + writer.event(Chunk(finish_reason="stop", usage=Usage(2, 1)))
    events = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    assert events[0]["choices"][0]["delta"] == {"role": "assistant", "content": "Hi"}
    assert events[0]["choices"][0]["finish_reason"] is None
    assert events[1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    assert events[2]["choices"] == [] and events[2]["usage"]["total_tokens"] == 3
