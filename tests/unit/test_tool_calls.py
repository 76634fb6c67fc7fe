"""Tool calls read from generated text as it streams: name first, then the arguments
piece by piece exactly as written; text that is no call stays content."""

from __future__ import annotations

import itertools
import json

from hypothesis import given
from hypothesis import strategies as st

from litellm_ov_provider.core.tool_calls import StreamingToolParser, assembled, read_calls
from litellm_ov_provider.core.types import ToolCallDelta

HERMES = (
    "Let me check.\n<tool_call>\n"
    '{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
)
TWO = (
    '<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>\n'
    '<tool_call>{"name": "b", "arguments": {}}</tool_call>'
)
LLAMA = '{"name": "get_weather", "parameters": {"city": "Oslo"}}'
SEVERAL = '<|python_tag|>{"name": "a", "parameters": {}}; {"name": "b", "parameters": {"q": 2}}'


def calls_of(text: str) -> list[tuple[str, str]]:
    return [(c.name, c.arguments) for c in read_calls(text)[1]]


def test_hermes_block_splits_content_and_call() -> None:
    content, calls = read_calls(HERMES)
    assert content is not None and content.strip() == "Let me check."
    assert [(c.name, c.arguments) for c in calls] == [("get_weather", '{"city": "Paris"}')]
    assert calls[0].id.startswith("call_")


def test_two_calls_keep_order_and_get_distinct_ids() -> None:
    content, calls = read_calls(TWO)
    assert (content or "").strip() == ""
    assert [(c.name, c.arguments) for c in calls] == [("a", '{"x": 1}'), ("b", "{}")]
    assert calls[0].id != calls[1].id


def test_llama3_json_replies() -> None:
    assert calls_of(LLAMA) == [("get_weather", '{"city": "Oslo"}')]
    assert calls_of(SEVERAL) == [("a", "{}"), ("b", '{"q": 2}')]
    assert read_calls(LLAMA)[0] is None


def test_arguments_before_the_name_and_arguments_as_a_string() -> None:
    assert calls_of('{"arguments": {"k": [1, {"x": "}"}]}, "name": "f"}') == [
        ("f", '{"k": [1, {"x": "}"}]}')
    ]
    assert calls_of('{"name": "f", "arguments": "{\\"a\\": 1}"}') == [("f", '{"a": 1}')]


def test_text_that_is_not_a_call_stays_content() -> None:
    for text in ["Paris is the capital.", '{"answer": 42}', "<tool_call>not json</tool_call>"]:
        content, calls = read_calls(text)
        assert calls == [] and content == text


def test_a_call_cut_short_keeps_what_it_has() -> None:
    """max_tokens ended the call: it is still a call (finish_reason says length)."""
    assert calls_of('{"name": "get_time", "arguments": {"tz": "Asia/To') == [
        ("get_time", '{"tz": "Asia/To')
    ]


def test_the_name_leaves_first_then_the_arguments_as_written() -> None:
    parser = StreamingToolParser()
    pieces: list[ToolCallDelta] = []
    for part in ['{"na', 'me": "f", "argu', 'ments": {"ci', 'ty": "Pa', 'ris"}}']:
        pieces += parser.feed(part)[1]
    pieces += parser.finish()[1]
    assert pieces[0].name == "f" and pieces[0].id and pieces[0].arguments == ""
    assert [p.arguments for p in pieces[1:]] == ['{"ci', 'ty": "Pa', 'ris"}']
    assert all(p.id is None and p.name is None for p in pieces[1:])


def _stream(text: str, cuts: list[int]) -> tuple[str, list[tuple[str, str]]]:
    parser = StreamingToolParser()
    bounds = [0, *sorted({c for c in cuts if c <= len(text)}), len(text)]
    content: list[str] = []
    pieces: list[ToolCallDelta] = []
    for start, end in itertools.pairwise(bounds):
        c, new = parser.feed(text[start:end])
        content.append(c)
        pieces += new
    c, new = parser.finish()
    return "".join([*content, c]), [(x.name, x.arguments) for x in assembled([*pieces, *new])]


@given(
    st.sampled_from([HERMES, TWO, LLAMA, SEVERAL, "Just text <b>bold</b>.", '{"answer": 42}']),
    st.lists(st.integers(min_value=0, max_value=120), max_size=12),
)
def test_however_the_text_is_cut_the_answer_is_the_same(text: str, cuts: list[int]) -> None:
    whole_content, whole_calls = read_calls(text)
    content, calls = _stream(text, cuts)
    assert calls == [(c.name, c.arguments) for c in whole_calls]
    assert content == (whole_content or "")


def test_long_pathological_streams_parse_in_one_pass() -> None:
    """Outcomes on inputs a quadratic parser could not finish: a 200k-character call
    streamed a character at a time, and 100k characters of whitespace before text."""
    args = {"text": "a" * 200_000}
    text = f"<tool_call>{json.dumps({'name': 'f', 'arguments': args})}</tool_call>"
    parser = StreamingToolParser()
    pieces: list[ToolCallDelta] = []
    for ch in text:
        pieces += parser.feed(ch)[1]
    pieces += parser.finish()[1]
    assert [(c.name, json.loads(c.arguments)) for c in assembled(pieces)] == [("f", args)]
    spaces = " " * 100_000 + "done"
    parser = StreamingToolParser()
    out = "".join(parser.feed(ch)[0] for ch in spaces) + parser.finish()[0]
    assert out == spaces
    content, found = read_calls("<tool_call>" + " " * 100_000 + "x")
    assert found == [] and content is not None
