import json
from typing import Any

import pytest

from litellm_ov_provider.engine.protocol import Constraint
from litellm_ov_provider.engine.template_caps import TemplateCaps
from litellm_ov_provider.errors import InvalidRequest
from litellm_ov_provider.request.build import EngineRequest, build_request
from litellm_ov_provider.request.constraints import EMPTY_PARAMS, tool_schema
from litellm_ov_provider.request.fields import IGNORED
from litellm_ov_provider.request.json_grammar import compact_grammar

PLAIN = TemplateCaps(tools=False, tool_calls=False, tool_role=False, style="hermes")
MSGS = [{"role": "user", "content": "hi"}]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def constrained_to(req: EngineRequest, schema: dict[str, Any]) -> bool:
    """Whether the request's output is held to `schema` (as its compact grammar)."""
    expected = compact_grammar(schema)
    assert expected is not None
    return req.sampling.constraint == Constraint("grammar", expected, json.dumps(schema))


def build(params: dict[str, Any], messages: Any = MSGS, context: int | None = 2048):
    return build_request(messages, params, PLAIN, context)


@pytest.mark.parametrize(
    ("messages", "params", "fragment"),
    [
        ([], {}, "non-empty"),
        ([{"role": "wizard", "content": "x"}], {}, "unknown role"),
        ([{"role": "user", "content": 42}], {}, "content must be"),
        ([{"role": "user", "content": [{"type": "image_url"}]}], {}, "only text"),
        (MSGS, {"max_tokens": 0}, "max_tokens"),
        (MSGS, {"max_tokens": 5000}, "maximum context length is 2048"),
        (MSGS, {"n": 9}, "n must be an integer from 1 to 8"),
        (
            MSGS,
            {"logprobs": True, "top_logprobs": 21},
            "top_logprobs must be an integer from 0 to 20",
        ),
        (MSGS, {"top_logprobs": 3}, "top_logprobs needs logprobs: true"),
        (MSGS, {"logprobs": "yes"}, "logprobs must be"),
        (MSGS, {"temperature": 3}, "temperature"),
        (MSGS, {"min_p": 1.5}, "min_p must be a number between 0.0 and 1.0"),
        (MSGS, {"logit_bias": {"50256": -100}}, "logit_bias is not supported"),
        (MSGS, {"logit_bias": [1]}, "logit_bias must be an object"),
        (MSGS, {"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        (
            MSGS,
            {
                "tools": [
                    {"type": "function", "function": {"name": "f", "parameters": {"type": "strng"}}}
                ]
            },
            "not a valid JSON schema",
        ),
        (
            MSGS,
            {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "nope"}}},
            "not in tools",
        ),
        (MSGS, {"tool_choice": "required"}, "needs tools"),
        (
            MSGS,
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"type": 5}},
                }
            },
            "not a valid JSON schema",
        ),
        (MSGS, {"response_format": {"type": "yaml"}}, "response_format.type"),
    ],
)
def test_bad_requests_raise_400_with_a_reason(
    messages: Any, params: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(InvalidRequest) as info:
        build(params, messages)
    assert info.value.status_code == 400
    assert fragment in info.value.message


def test_an_empty_or_zero_logit_bias_changes_nothing_and_is_accepted() -> None:
    assert build({"logit_bias": {}}).sampling.constraint is None
    assert build({"logit_bias": {"11": 0}}).sampling.min_p is None
    with pytest.raises(InvalidRequest) as caught:
        build({"logit_bias": {"11": 5}})
    assert (caught.value.code, caught.value.param) == ("unsupported_parameter", "logit_bias")


def test_sampling_params_are_carried_through() -> None:
    req = build(
        {
            "max_tokens": 7,
            "temperature": 0.5,
            "top_p": 0.9,
            "seed": 3,
            "stop": "x",
            "presence_penalty": 0.1,
            "frequency_penalty": -0.2,
            "min_p": 0.05,
            "top_k": 40,
        }
    )
    s = req.sampling
    assert (s.min_p, s.top_k) == (0.05, 40)
    assert (s.max_tokens, s.temperature, s.top_p, s.seed, s.stop) == (7, 0.5, 0.9, 3, ("x",))
    assert (s.presence_penalty, s.frequency_penalty) == (0.1, -0.2)
    assert s.constraint is None and not req.parse_tools


def test_named_tool_choice_constrains_to_that_tool() -> None:
    req = build(
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
    )
    assert constrained_to(req, tool_schema(TOOL))
    assert tool_schema(TOOL)["properties"] == {
        "name": {"const": "get_weather"},
        "arguments": TOOL["function"]["parameters"],
    }
    assert req.forced_tool and not req.parse_tools


def test_required_with_several_tools_is_any_of() -> None:
    other = {"type": "function", "function": {"name": "other"}}
    req = build({"tools": [TOOL, other], "tool_choice": "required"})
    validated = {"function": {"name": "other", "parameters": EMPTY_PARAMS}}
    assert constrained_to(req, {"anyOf": [tool_schema(TOOL), tool_schema(validated)]})


def test_auto_tools_are_described_in_the_system_prompt_when_the_template_cannot() -> None:
    req = build({"tools": [TOOL]}, [{"role": "system", "content": "Be brief."}, *MSGS])
    assert req.parse_tools and req.tools is None
    assert req.messages[0]["content"].startswith("Be brief.")
    assert "<tools>" in req.messages[0]["content"] and "get_weather" in req.messages[0]["content"]


def test_tool_choice_none_drops_tools() -> None:
    req = build({"tools": [TOOL], "tool_choice": "none"})
    assert not req.parse_tools and req.messages == MSGS


def test_json_object_and_schema_formats() -> None:
    assert constrained_to(build({"response_format": {"type": "json_object"}}), {"type": "object"})
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    assert constrained_to(build({"response_format": fmt}), schema)


def test_schemas_the_compact_grammar_does_not_cover_go_to_genai_whole() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^x+$"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    constraint = build({"response_format": fmt}).sampling.constraint
    assert constraint == Constraint("json_schema", json.dumps(schema))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("functions", [{"name": "f", "parameters": {}}]),
        ("function_call", {"name": "f"}),
        ("audio", {"voice": "alloy", "format": "wav"}),
        ("web_search_options", {"search_context_size": "low"}),
        ("modalities", ["text", "audio"]),
    ],
)
def test_fields_it_cannot_honour_are_refused_by_name(field: str, value: Any) -> None:
    with pytest.raises(InvalidRequest) as caught:
        build({field: value})
    assert (caught.value.param, caught.value.code) == (field, "unsupported_parameter")


def test_fields_documented_as_ignored_and_no_op_values_pass() -> None:
    ignored = {key: "x" for key in IGNORED}
    build({**ignored, "modalities": ["text"], "functions": [], "audio": None})


def test_parallel_tool_calls_false_keeps_one_call() -> None:
    assert build({"parallel_tool_calls": False}).parallel_calls is False
    assert build({}).parallel_calls is True
