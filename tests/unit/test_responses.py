from litellm_ov_provider.core.assemble import StreamAssembler, usage
from litellm_ov_provider.engine.protocol import Sampling
from litellm_ov_provider.request.build import EngineRequest


def req(parse_tools: bool = False, forced: bool = False) -> EngineRequest:
    return EngineRequest(
        messages=[], tools=None, sampling=Sampling(), parse_tools=parse_tools, forced_tool=forced
    )


def test_last_chunk_carries_text_finish_and_usage() -> None:
    out = StreamAssembler(req())
    chunks = out.feed("Hel") + out.feed("lo") + out.finish("stop", usage(3, 2))
    assert [c["text"] for c in chunks] == ["Hel", "lo"]
    assert chunks[-1]["is_finished"] and chunks[-1]["finish_reason"] == "stop"
    assert chunks[-1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    assert not any(c["is_finished"] for c in chunks[:-1])


def test_tool_call_chunk_is_final_with_tool_calls_reason() -> None:
    out = StreamAssembler(req(parse_tools=True))
    chunks = []
    for piece in ["Sure. <tool", '_call>{"name": "f", "arguments": {}}', "</tool_call>"]:
        chunks += out.feed(piece)
    chunks += out.finish("stop", usage(1, 1))
    assert chunks[0]["text"].strip() == "Sure."
    assert (
        chunks[-1]["tool_use"]["function"]["name"] == "f" and chunks[-1]["tool_use"]["index"] == 0
    )
    assert chunks[-1]["finish_reason"] == "tool_calls"


def test_forced_call_is_emitted_once_at_the_end() -> None:
    out = StreamAssembler(req(forced=True))
    assert out.feed('{"name": "f", ') == [] and out.feed('"arguments": {"a": 1}}') == []
    (last,) = out.finish("stop", usage(1, 1))
    assert (
        last["tool_use"]["function"]["arguments"] == '{"a": 1}'
        and last["finish_reason"] == "tool_calls"
    )


def test_length_reason_survives() -> None:
    out = StreamAssembler(req())
    out.feed("x")
    assert out.finish("length", usage(1, 1))[-1]["finish_reason"] == "length"
