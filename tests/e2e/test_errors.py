"""Bad input gets an OpenAI-shaped 4xx and the proxy keeps serving."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from .conftest import DEFAULT, TINY_CTX
from .proxy import Proxy

HI = [{"role": "user", "content": "hi"}]
BAD_SCHEMA_TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "strng"}}}
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown model", {"model": "no-such-model"}, "no-such-model"),
    ("empty messages", {"messages": []}, "non-empty"),
    ("unknown role", {"messages": [{"role": "wizard", "content": "x"}]}, "unknown role"),
    (
        "non-string content",
        {"messages": [{"role": "user", "content": {"a": 1}}]},
        "content must be",
    ),
    ("max_tokens zero", {"max_tokens": 0}, "max_tokens"),
    ("max_tokens past context", {"model": TINY_CTX, "max_tokens": 500}, "context window is 96"),
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
    ("n > 1", {"n": 2}, "n > 1"),
]


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


def test_prompt_longer_than_context_names_token_counts(client: openai.OpenAI) -> None:
    long = [{"role": "user", "content": "word " * 200}]
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=TINY_CTX, messages=long)
    message = str(info.value.body)
    assert "context window is 96 tokens" in message and "the prompt is" in message


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
