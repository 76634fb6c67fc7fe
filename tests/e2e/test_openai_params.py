"""Request fields beyond the common subset (issue #23), on the real model through the
front door: a reasoning model's thoughts, reasoning_effort, llama.cpp's `grammar`,
min_p, and logit_bias refused by name."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from testbed.models import DEFAULT, THINKER
from testbed.proxy import Proxy
from testbed.refusals import refusal

HI = [{"role": "user", "content": "Say hi"}]
UNSUP = "unsupported_parameter"
# SmolLM2 does not reason; a grammar makes it answer as a reasoning model does (all
# of it fixed: greedy answers may differ between runs once the prefix cache holds the
# prompt, and this is about where the text goes).
THINKING = 'root ::= "<think>" "plan: greet" "</think>" "\\n\\nHello there"'


def test_a_reasoning_model_s_thoughts_are_reasoning_content(client: openai.OpenAI) -> None:
    ask: dict[str, Any] = {
        "model": THINKER,
        "messages": HI,
        "max_tokens": 48,
        "temperature": 0,
        "extra_body": {"grammar": THINKING},
    }
    message = client.chat.completions.create(**ask).choices[0].message
    assert message.model_extra and message.model_extra["reasoning_content"] == "plan: greet"
    assert message.content == "Hello there"

    thoughts, answer = [], []
    for chunk in client.chat.completions.create(stream=True, **ask):
        delta = chunk.choices[0].delta if chunk.choices else None
        if delta is not None:
            thoughts.append((delta.model_extra or {}).get("reasoning_content") or "")
            answer.append(delta.content or "")
    assert "".join(thoughts) == "plan: greet"
    assert "".join(answer) == "Hello there"


def test_model_info_says_which_models_reason(proxy: Proxy) -> None:
    with proxy.http() as http:
        listed = http.get("/v1/model/info").json()["data"]
    says = {m["model_name"]: m["model_info"].get("supports_reasoning") for m in listed}
    assert says[THINKER] is True and says[DEFAULT] is False


def test_a_model_not_declared_reasoning_keeps_its_markers_in_content(
    client: openai.OpenAI,
) -> None:
    r = client.chat.completions.create(
        model=DEFAULT, messages=HI, max_tokens=48, extra_body={"grammar": THINKING}
    )
    assert r.choices[0].message.content == "<think>plan: greet</think>\n\nHello there"


def test_reasoning_effort_is_accepted_and_checked(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=THINKER, messages=HI, max_tokens=4, reasoning_effort="low"
    )
    assert r.choices[0].message.content is not None
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=THINKER, messages=HI, max_tokens=4, extra_body={"reasoning_effort": "maximal"}
        )
    assert caught.value.body["param"] == "reasoning_effort"  # type: ignore[index]


@pytest.mark.parametrize("stream", [False, True])
def test_a_grammar_holds_the_answer(client: openai.OpenAI, stream: bool) -> None:
    ask: dict[str, Any] = {
        "model": DEFAULT,
        "messages": [{"role": "user", "content": "Is the sky green?"}],
        "max_tokens": 8,
        "extra_body": {"grammar": 'root ::= "yes" | "no"'},
    }
    if stream:
        chunks = client.chat.completions.create(stream=True, **ask)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        text = client.chat.completions.create(**ask).choices[0].message.content or ""
    assert text in {"yes", "no"}


@pytest.mark.parametrize(
    ("extra", "param", "code"),
    [
        ({"grammar": "root ::= ("}, "grammar", None),
        ({"logit_bias": {"11": 5}}, "logit_bias", "unsupported_parameter"),
        ({"min_p": 2}, "min_p", None),
        ({"functions": [{"name": "f", "parameters": {}}]}, "functions", UNSUP),
        ({"modalities": ["text", "audio"]}, "modalities", UNSUP),
        ({"web_search_options": {"search_context_size": "low"}}, "web_search_options", UNSUP),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_fields_it_cannot_honour_are_refused_by_name(
    client: openai.OpenAI, extra: dict[str, Any], param: str, code: str | None, stream: bool
) -> None:
    body = refusal(client, stream, model=DEFAULT, messages=HI, max_tokens=4, extra_body=extra)
    assert (body["param"], body["code"]) == (param, code)


def test_what_changes_nothing_is_accepted(client: openai.OpenAI) -> None:
    """An empty logit_bias (some clients always send one), min_p, top_k, and the
    fields the README lists as ignored."""
    r = client.chat.completions.create(
        model=DEFAULT,
        messages=HI,
        max_tokens=4,
        logit_bias={},
        user="someone",
        metadata={"team": "a"},
        store=False,
        service_tier="auto",
        modalities=["text"],
        prediction={"type": "content", "content": "Hello"},
        verbosity="low",
        parallel_tool_calls=False,
        extra_body={"min_p": 0.05, "top_k": 20},
    )
    assert r.choices[0].finish_reason in {"length", "stop"}
