import json

import pytest

from litellm_ov_provider.engine.template_caps import TemplateCaps
from litellm_ov_provider.errors import InvalidRequest
from litellm_ov_provider.request.messages import content_text, merge_system, to_template_messages

PLAIN = TemplateCaps(tools=False, tool_calls=False, tool_role=False, style="hermes")
QWEN_LIKE = TemplateCaps(tools=True, tool_calls=True, tool_role=True, style="hermes")
CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
HISTORY = [
    {"role": "developer", "content": "sys"},
    {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": "42"},
]


def test_plain_template_gets_hermes_text_for_calls_and_results() -> None:
    out = to_template_messages(HISTORY, None, PLAIN)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user"]
    assert out[1]["content"] == "a\nb"  # text parts, one per line (as vLLM joins them)
    assert json.loads(out[2]["content"].split("\n")[1]) == {"name": "f", "arguments": {"a": 1}}
    assert out[3]["content"] == "<tool_response>\n42\n</tool_response>"
    assert all(isinstance(m["content"], str) for m in out)


def test_tool_aware_template_gets_structured_calls() -> None:
    out = to_template_messages(HISTORY, None, QWEN_LIKE)
    assert out[2]["tool_calls"][0]["function"] == {"name": "f", "arguments": {"a": 1}}
    assert out[3] == {"role": "tool", "content": "42", "tool_call_id": "call_1"}


def test_caps_are_read_from_template_text() -> None:
    smol = "{% for message in messages %}{{'<|im_start|>' + message['role']}}{% endfor %}"
    assert TemplateCaps.from_template(smol) == PLAIN
    qwen = (
        "{%- if tools %}{{ tool_call.name }}{% if message.tool_calls %}"
        '{% elif message.role == "tool" %}'
    )
    caps = TemplateCaps.from_template(qwen)
    assert caps.tools and caps.tool_calls and caps.tool_role


def test_one_merge_of_text_into_the_leading_system_message() -> None:
    user = {"role": "user", "content": "q"}
    system = {"role": "system", "content": "C"}
    assert merge_system([user], "S", first=True) == [{"role": "system", "content": "S"}, user]
    assert merge_system([system, user], "S", first=True)[0]["content"] == "S\n\nC"
    assert merge_system([system, user], "S", first=False)[0]["content"] == "C\n\nS"
    parts = {"role": "system", "content": [{"type": "text", "text": "C"}]}
    merged = merge_system([parts], "S", first=True)[0]["content"]
    assert merged == [{"type": "text", "text": "S"}, {"type": "text", "text": "C"}]
    assert parts["content"] == [{"type": "text", "text": "C"}]  # the input is not changed


def test_content_text_strict_for_the_model_lenient_for_reading() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}}]
    assert content_text(parts) == "a"
    with pytest.raises(InvalidRequest, match="image_url"):
        content_text(parts, "messages[0]")
    assert content_text(42) == ""
