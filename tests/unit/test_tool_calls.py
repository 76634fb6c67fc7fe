import json

from hypothesis import given
from hypothesis import strategies as st

from litellm_ov_provider.core.tool_calls import (
    StreamingToolParser,
    parse_forced,
    parse_llama3,
    parse_tool_calls,
)

HERMES = (
    "Let me check.\n<tool_call>\n"
    '{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
)
TWO = (
    '<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>\n'
    '<tool_call>{"name": "b", "arguments": {}}</tool_call>'
)
LLAMA = '{"name": "get_weather", "parameters": {"city": "Oslo"}}'


def test_hermes_block_splits_content_and_call() -> None:
    content, calls = parse_tool_calls(HERMES)
    assert content == "Let me check."
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    assert calls[0].id.startswith("call_")


def test_two_hermes_calls_keep_order_and_get_distinct_ids() -> None:
    content, calls = parse_tool_calls(TWO)
    assert content is None
    assert [c.name for c in calls] == ["a", "b"]
    assert calls[0].id != calls[1].id


def test_unclosed_hermes_block_at_end_of_generation_still_parses() -> None:
    _, calls = parse_tool_calls('<tool_call>\n{"name": "a", "arguments": {"k": "v"}}')
    assert [c.name for c in calls] == ["a"]


def test_llama3_json_styles() -> None:
    assert [c.name for c in parse_llama3(LLAMA) or []] == ["get_weather"]
    several = '<|python_tag|>{"name": "a", "parameters": {}}; {"name": "b", "parameters": {"q": 2}}'
    assert [c.name for c in parse_llama3(several) or []] == ["a", "b"]
    assert parse_tool_calls(LLAMA)[0] is None


def test_text_that_is_not_a_call_stays_content() -> None:
    for text in ["Paris is the capital.", '{"answer": 42}', "<tool_call>not json</tool_call>"]:
        content, calls = parse_tool_calls(text)
        assert calls == [] and content == text


def test_forced_output_is_one_call_or_nothing() -> None:
    assert [c.name for c in parse_forced('{"name": "f", "arguments": {"a": 1}}')] == ["f"]
    assert parse_forced('{"name": "f", "arguments": ') == []


def _stream(text: str, cuts: list[int]) -> tuple[str, list[tuple[str, str]]]:
    parser = StreamingToolParser()
    pieces, last = [], 0
    for cut in [*sorted(set(cuts)), len(text)]:
        pieces.append(text[last:cut])
        last = cut
    content, calls = [], []
    for piece in pieces:
        c, new = parser.feed(piece)
        content.append(c)
        calls += new
    c, new = parser.finish()
    content.append(c)
    calls += new
    return "".join(content), [(x.name, x.arguments) for x in calls]


@given(
    st.sampled_from([HERMES, TWO, LLAMA, "Just text, no tools <b>bold</b>.", '{"answer": 42}']),
    st.lists(st.integers(min_value=0, max_value=120), max_size=12),
)
def test_streaming_parser_agrees_with_whole_text_parser(text: str, cuts: list[int]) -> None:
    cuts = [c for c in cuts if c <= len(text)]
    content, calls = _stream(text, cuts)
    whole_content, whole_calls = parse_tool_calls(text)
    assert calls == [(c.name, c.arguments) for c in whole_calls]
    assert content.strip() == (whole_content or "").strip()


def test_long_pathological_streams_parse_in_one_pass() -> None:
    """Outcomes on inputs a quadratic parser could not finish: a 200k-character call
    streamed a character at a time, and 100k characters of whitespace before text."""
    args = {"text": "a" * 200_000}
    text = f"<tool_call>{json.dumps({'name': 'f', 'arguments': args})}</tool_call>"
    parser = StreamingToolParser()
    calls = []
    for ch in text:
        calls += parser.feed(ch)[1]
    calls += parser.finish()[1]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [("f", args)]
    spaces = " " * 100_000 + "done"
    parser = StreamingToolParser()
    out = "".join(parser.feed(ch)[0] for ch in spaces) + parser.finish()[0]
    assert out == spaces
    content, found = parse_tool_calls("<tool_call>" + " " * 100_000 + "x")
    assert found == [] and content is not None
