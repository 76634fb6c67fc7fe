"""instructor: a response model filled through a forced tool call (its default mode) and
through a JSON schema response format, partial objects streamed as the call is
written, and the openai SDK's errors."""

from __future__ import annotations

from collections.abc import Iterator

import instructor
import openai
import pytest

from testbed.proxy import KEY, Proxy

from .common import LONG, MODEL, SMALL_CONTEXT, City

ASK = [{"role": "user", "content": "Which city is the capital of France?"}]


@pytest.fixture
def sdk(proxy: Proxy) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0, timeout=120
    ) as client:
        yield client


@pytest.mark.parametrize("mode", [instructor.Mode.TOOLS, instructor.Mode.JSON_SCHEMA])
def test_a_response_model_is_filled(sdk: openai.OpenAI, mode: instructor.Mode) -> None:
    client = instructor.from_openai(sdk, mode=mode)
    city = client.chat.completions.create(
        model=MODEL, response_model=City, messages=ASK, max_tokens=64, max_retries=2
    )
    assert isinstance(city, City)


def test_partial_objects_stream_as_the_call_is_written(sdk: openai.OpenAI) -> None:
    client = instructor.from_openai(sdk, mode=instructor.Mode.TOOLS)
    partials = list(
        client.chat.completions.create_partial(
            model=MODEL, response_model=City, messages=ASK, max_tokens=64
        )
    )
    assert len(partials) > 2, "the arguments should arrive in several pieces"
    assert isinstance(partials[-1].name, str) and isinstance(partials[-1].country, str)


def test_the_sdk_s_errors_come_through(sdk: openai.OpenAI) -> None:
    client = instructor.from_openai(sdk)
    with pytest.raises(Exception) as caught:
        client.chat.completions.create(
            model=SMALL_CONTEXT,
            response_model=City,
            messages=[{"role": "user", "content": LONG}],
            max_retries=0,
        )
    error = caught.value
    while not isinstance(error, openai.APIStatusError) and error.__cause__ is not None:
        error = error.__cause__  # type: ignore[assignment]
    assert isinstance(error, openai.BadRequestError)
    assert error.code == "context_length_exceeded"
