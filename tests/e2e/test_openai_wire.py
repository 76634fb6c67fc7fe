"""The front door answers as OpenAI's API does (issue #23), checked with raw HTTP and the
openai SDK on the real model: stream shapes, stop strings, n, logprobs, seeds, errors."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from testbed.models import DEFAULT
from testbed.proxy import Proxy

PARIS = [{"role": "user", "content": "What is the capital of France?"}]
STORY = [{"role": "user", "content": "Tell me a story about a dragon."}]


def sse(proxy: Proxy, body: dict[str, Any]) -> list[dict[str, Any]]:
    """A streamed request's events, as the wire carries them."""
    with proxy.http() as http, http.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200, r.read()
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    return [json.loads(line[6:]) for line in lines[:-1]]


def test_a_stream_is_shaped_as_openai_s(proxy: Proxy) -> None:
    events = sse(
        proxy,
        {
            "model": DEFAULT,
            "messages": PARIS,
            "max_tokens": 6,
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    )
    *chunks, usage = events
    assert usage["choices"] == [] and usage["usage"]["completion_tokens"] == 6
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    for chunk in chunks:
        (choice,) = chunk["choices"]
        assert "finish_reason" in choice and "logprobs" in choice
        assert chunk["system_fingerprint"].startswith("fp_")
    assert [c["choices"][0]["finish_reason"] for c in chunks][-1] == "length"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    assert usage["system_fingerprint"] == chunks[0]["system_fingerprint"]


def test_chunks_leave_as_they_are_made(proxy: Proxy, client: openai.OpenAI) -> None:
    """The guard reshapes each event as it passes: the first chunk reaches the client
    while the model is still generating."""
    stream = client.chat.completions.create(
        model=DEFAULT,
        messages=STORY,
        max_tokens=300,
        stream=True,
        extra_body={"ignore_eos": True},
    )
    next(iter(stream))
    with proxy.http() as http:
        loaded = http.get("/ov/ps").json()["models"]
    assert any(m["model"] == DEFAULT and m["in_flight"] == 1 for m in loaded), loaded
    stream.close()


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("stop", ["apit", ["Pari", "zzz"], "is "])
def test_stop_strings_cut_at_the_character(
    client: openai.OpenAI, stop: str | list[str], stream: bool
) -> None:
    whole = client.chat.completions.create(model=DEFAULT, messages=PARIS, temperature=0)
    full = whole.choices[0].message.content or ""
    first = stop if isinstance(stop, str) else stop[0]
    assert first in full  # the greedy answer: "The capital city of France is Paris."
    kwargs: dict[str, Any] = {"model": DEFAULT, "messages": PARIS, "temperature": 0, "stop": stop}
    if stream:
        chunks = list(client.chat.completions.create(stream=True, **kwargs))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        finish = [c.choices[0].finish_reason for c in chunks if c.choices][-1]
    else:
        r = client.chat.completions.create(**kwargs)
        text, finish = r.choices[0].message.content or "", r.choices[0].finish_reason
    assert text == full[: full.index(first)] and finish == "stop"


@pytest.mark.parametrize("stream", [False, True])
def test_n_choices_indexed_with_usage_summed(client: openai.OpenAI, stream: bool) -> None:
    kwargs: dict[str, Any] = {
        "model": DEFAULT,
        "messages": STORY,
        "n": 3,
        "max_tokens": 8,
        "temperature": 1.0,
    }
    if not stream:
        r = client.chat.completions.create(**kwargs)
        assert [c.index for c in r.choices] == [0, 1, 2]
        assert all(c.finish_reason == "length" for c in r.choices)
        assert r.usage is not None and r.usage.completion_tokens == 24
        texts = {c.message.content for c in r.choices}
    else:
        chunks = list(
            client.chat.completions.create(
                stream=True, stream_options={"include_usage": True}, **kwargs
            )
        )
        parts: dict[int, str] = {}
        finishes: dict[int, str] = {}
        for chunk in chunks:
            for choice in chunk.choices:
                parts[choice.index] = parts.get(choice.index, "") + (choice.delta.content or "")
                if choice.finish_reason:
                    finishes[choice.index] = choice.finish_reason
        assert finishes == {0: "length", 1: "length", 2: "length"}
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 24
        texts = set(parts.values())
    assert len(texts) > 1, "unseeded samples must differ"


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("top", [0, 5])
def test_logprobs_join_to_the_content_and_count_its_tokens(
    client: openai.OpenAI, stream: bool, top: int
) -> None:
    kwargs: dict[str, Any] = {
        "model": DEFAULT,
        "messages": PARIS,
        "logprobs": True,
        "top_logprobs": top,
        "temperature": 0,
    }
    if stream:
        chunks = list(
            client.chat.completions.create(
                stream=True, stream_options={"include_usage": True}, **kwargs
            )
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        entries = [
            e
            for c in chunks
            if c.choices and c.choices[0].logprobs
            for e in c.choices[0].logprobs.content or []
        ]
        usage = chunks[-1].usage
    else:
        r = client.chat.completions.create(**kwargs)
        text = r.choices[0].message.content or ""
        entries = r.choices[0].logprobs.content or [] if r.choices[0].logprobs else []
        usage = r.usage
    assert "".join(e.token for e in entries) == text and text
    assert usage is not None and len(entries) == usage.completion_tokens
    assert all(e.logprob <= 0 for e in entries)
    assert all(len(e.top_logprobs) == top for e in entries)
    if top:  # greedy: the chosen token is among the likeliest (a second run's numbers)
        for e in entries:
            ranked = [t.logprob for t in e.top_logprobs]
            assert ranked == sorted(ranked, reverse=True)
            assert e.token in [t.token for t in e.top_logprobs], e


def test_a_seed_makes_sampling_reproducible(client: openai.OpenAI) -> None:
    def sample(seed: int) -> str:
        r = client.chat.completions.create(
            model=DEFAULT, messages=STORY, temperature=1.0, max_tokens=16, seed=seed
        )
        return r.choices[0].message.content or ""

    assert sample(7) == sample(7)
    assert len({sample(7), sample(8), sample(9)}) > 1


def test_max_completion_tokens_is_max_tokens(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(model=DEFAULT, messages=STORY, max_completion_tokens=5)
    assert r.usage is not None and r.usage.completion_tokens == 5
    assert r.choices[0].finish_reason == "length" and r.system_fingerprint.startswith("fp_")


def test_an_unknown_model_is_openai_s_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="no-such-model", messages=PARIS)
    assert info.value.code == "model_not_found"
    assert info.value.body["param"] == "model"  # type: ignore[index]


def test_text_completions_have_cmpl_ids(proxy: Proxy) -> None:
    with proxy.http() as http:
        r = http.post("/v1/completions", json={"model": DEFAULT, "prompt": "Hi", "max_tokens": 3})
    assert r.status_code == 200 and r.json()["id"].startswith("cmpl-")


@pytest.mark.parametrize("usage", [False, True])
def test_a_text_completion_streams_its_text(client: openai.OpenAI, usage: bool) -> None:
    """As OpenAI's: text in every chunk's choice, usage only in the usage chunk."""
    chunks = list(
        client.completions.create(
            model=DEFAULT,
            prompt="I believe the meaning of life is",
            max_tokens=4,
            stream=True,
            stream_options={"include_usage": usage},
        )
    )
    texts = [c.choices[0].text for c in chunks if c.choices]
    assert len(texts) >= 4 and "".join(texts).strip()
    assert all(c.id.startswith("cmpl-") for c in chunks)
    counted = [c.usage for c in chunks if c.usage]
    assert [u.completion_tokens for u in counted] == ([4] if usage else [])


def test_a_text_completion_continues_the_prompt_as_written(client: openai.OpenAI) -> None:
    """As OpenAI's and llama.cpp's: no chat template around the prompt (with one, these
    8 words cost 37 prompt tokens and SmolLM2 answered "Here is the list...")."""
    done = client.completions.create(
        model=DEFAULT, prompt="1, 2, 3, 4, 5,", max_tokens=6, temperature=0
    )
    assert done.usage and done.usage.prompt_tokens < 16
    assert done.choices[0].text.startswith(" 6, 7"), done.choices[0].text
