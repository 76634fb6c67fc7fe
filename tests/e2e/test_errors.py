"""Bad input gets an OpenAI-shaped 4xx and the proxy keeps serving."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest

from testbed.models import DEFAULT, TINY_CTX
from testbed.proxy import KEY, Proxy

HI = [{"role": "user", "content": "hi"}]
BAD_SCHEMA_TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "strng"}}}
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("empty messages", {"messages": []}, "must not be empty"),
    ("unknown role", {"messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role"),
    (
        "non-string content",
        {"messages": [{"role": "user", "content": {"a": 1}}]},
        "content: must be a string",
    ),
    ("max_tokens zero", {"max_tokens": 0}, "max_tokens"),
    (
        "max_tokens past context",
        {"model": TINY_CTX, "max_tokens": 500},
        "maximum context length is 96",
    ),
    ("bad tool schema", {"tools": [BAD_SCHEMA_TOOL]}, "not a valid JSON schema"),
    (
        "tool_choice not in tools",
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "g"}}},
        "'g'",
    ),
    (
        "invalid json_schema",
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "x",
                    "schema": {"type": "object", "properties": {"a": {"type": 7}}},
                },
            }
        },
        "JSON schema",
    ),
    ("n > 8", {"n": 9}, "n must be an integer from 1 to 8"),
]


PARAMS = {
    "max_tokens past context": "max_tokens",
    "tool_choice not in tools": "tool_choice",
    "n > 8": "n",
}


@pytest.mark.parametrize("stream", [False, True], ids=["unary", "stream"])
def test_an_unknown_model_is_a_404_model_not_found(client: openai.OpenAI, stream: bool) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        result = client.chat.completions.create(model="no-such-model", messages=HI, stream=stream)
        if stream:
            list(result)  # type: ignore[arg-type]
    assert info.value.code == "model_not_found" and "no-such-model" in info.value.message


@pytest.mark.parametrize(("label", "overrides", "fragment"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("stream", [False, True], ids=["unary", "stream"])
def test_bad_input_is_a_400_naming_the_problem(
    client: openai.OpenAI, label: str, overrides: dict[str, Any], fragment: str, stream: bool
) -> None:
    kwargs: dict[str, Any] = {"model": DEFAULT, "messages": HI, **overrides}
    with pytest.raises(openai.BadRequestError) as info:
        result = client.chat.completions.create(stream=stream, **kwargs)
        if stream:
            list(result)  # type: ignore[arg-type]
    assert info.value.status_code == 400
    body = info.value.body
    assert isinstance(body, dict) and fragment in body["message"], body
    # OpenAI's shape, streamed or not alike: a type, the node's own sentence (no LiteLLM
    # wrapper text), the param it names.
    assert body["type"] == "invalid_request_error", body
    assert "litellm" not in body["message"].lower() and "model group" not in body["message"]
    assert "ov-error" not in body["message"]
    if label in PARAMS:
        assert body["param"] == PARAMS[label], body


def test_prompt_longer_than_context_names_token_counts(client: openai.OpenAI) -> None:
    long = [{"role": "user", "content": "word " * 200}]
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=TINY_CTX, messages=long)
    body = info.value.body
    assert isinstance(body, dict), body
    # OpenAI's wording and code, with the prompt's real token count (the router still
    # sends such a request on to a context_window_fallbacks model: test_fallbacks.py).
    assert body["message"].startswith("This model's maximum context length is 96 tokens"), body
    assert "requested 2" in body["message"] and "in the messages" in body["message"]
    assert body["code"] == "context_length_exceeded" and body["param"] == "messages"
    assert info.value.code == "context_length_exceeded"  # what the SDKs branch on


def test_a_prompt_past_the_tokenizer_s_own_limit_is_counted_in_full(
    client: openai.OpenAI,
) -> None:
    """The default model's tokenizer stops at 8192 tokens; the error still says how
    long the prompt is (9000 x "hello world" is 18000 tokens, plus the template's)."""
    long = [{"role": "user", "content": "hello world " * 9000}]
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=DEFAULT, messages=long, max_tokens=4)
    message = info.value.body["message"]  # type: ignore[index]
    requested = int(message.split("you requested ")[1].split()[0])
    assert 18000 < requested < 18100, message


def test_body_that_is_not_json(proxy: Proxy) -> None:
    with proxy.http() as http:
        r = http.post(
            "/v1/chat/completions",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 400 and "error" in r.json()


def test_still_serving_after_bad_input(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(model=DEFAULT, messages=HI, max_tokens=4)
    assert r.choices[0].message.content is not None


MALFORMED: list[tuple[str, Any, str]] = [
    ("an array body", [], "body"),
    ("a number body", 42, "body"),
    ("a null body", None, "body"),
    ("a string body", "text", "body"),
    ("content a number", {"messages": [{"role": "user", "content": 42}]}, "messages[0].content"),
    ("messages a string", {"messages": "hi"}, "messages"),
    ("a message without role", {"messages": [{"content": "x"}]}, "messages[0].role"),
    ("a user message without content", {"messages": [{"role": "user"}]}, "messages[0]"),
    (
        "a text part without text",
        {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
        "messages[0].content",
    ),
    ("tools a string", {"tools": "x"}, "tools"),
    ("a tool without function", {"tools": [{"type": "function"}]}, "tools[0]"),
    ("tool_choice a number", {"tool_choice": 5}, "tool_choice"),
    ("response_format type unknown", {"response_format": {"type": "xml"}}, "response_format.type"),
    ("stop a number", {"stop": 5}, "stop"),
    ("five stops", {"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ("seed past 64 bits", {"seed": 2**64}, "seed"),
    ("seed a float", {"seed": 1.5}, "seed"),
    ("temperature a string", {"temperature": "hot"}, "temperature"),
    ("temperature out of range", {"temperature": 3}, "temperature"),
    ("top_p out of range", {"top_p": 1.5}, "top_p"),
    ("max_tokens a string", {"max_tokens": "x"}, "max_tokens"),
    ("max_tokens negative", {"max_tokens": -1}, "max_tokens"),
    ("n zero", {"n": 0}, "n"),
    ("stream a string", {"stream": "yes"}, "stream"),
    ("logprobs a string", {"logprobs": "yes"}, "logprobs"),
    ("logit_bias out of range", {"logit_bias": {"1": 500}}, "logit_bias.1"),
    ("model a number", {"model": 7}, "model"),
]


@pytest.mark.parametrize(("label", "body", "param"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_bodies_are_openai_shaped_400s(
    proxy: Proxy, label: str, body: Any, param: str
) -> None:
    full = {"model": DEFAULT, "messages": HI, **body} if isinstance(body, dict) else body
    raw = json.dumps(full).encode()
    with proxy.http() as http:
        r = http.post(
            "/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
        )
    error = r.json()["error"]
    assert r.status_code == 400 and error["type"] == "invalid_request_error", r.text
    assert error["param"] == param and error["message"]


def test_unknown_fields_pass_and_the_proxy_keeps_serving(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=DEFAULT,
        messages=HI,
        max_tokens=4,
        metadata={"tags": ["e2e"]},
        extra_body={"ignore_eos": True, "keep_alive": -1, "something_new": {"x": 1}},
    )
    assert r.usage is not None and r.usage.completion_tokens == 4


def test_an_oversized_body_is_a_413(proxy: Proxy) -> None:
    big = b'{"model": "x", "messages": "' + b"a" * (17 * 2**20) + b'"}'
    with proxy.http() as http:
        r = http.post("/v1/chat/completions", content=big)
    assert r.status_code == 413 and r.json()["error"]["type"] == "invalid_request_error"


def test_a_5000_tool_request_leaves_the_proxy_answering(proxy: Proxy) -> None:
    """The liveliness probe is answered while the request is still being handled
    (bench/liveliness.py measures the delay)."""
    from testbed.payloads import many_tools

    body = {"model": DEFAULT, "messages": HI, "tools": many_tools(5000), "max_tokens": 4}

    async def scenario() -> tuple[int, int]:
        headers = {"Authorization": f"Bearer {KEY}"}
        async with httpx.AsyncClient(base_url=proxy.base_url, headers=headers, timeout=300) as h:
            request = asyncio.create_task(h.post("/v1/chat/completions", json=body))
            answered = 0
            while not request.done():
                r = await h.get("/health/liveliness")
                answered += r.status_code == 200 and not request.done()
            return (await request).status_code, answered

    status, answered = asyncio.run(scenario())
    assert status == 400  # the tools do not fit SmolLM2's 8192-token window
    assert answered > 0
