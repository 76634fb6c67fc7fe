"""How a refused request looks to the openai SDK, streamed or not."""

from __future__ import annotations

from typing import Any

import openai
import pytest


def refusal(client: openai.OpenAI, stream: bool, **ask: Any) -> dict[str, Any]:
    """The OpenAI error body of a chat request the front door must answer with 400
    (a streamed one before its first chunk, as the SDK reads it)."""
    with pytest.raises(openai.BadRequestError) as caught:
        answer = client.chat.completions.create(stream=stream, **ask)
        if stream:
            list(answer)
    body: Any = caught.value.body
    assert body["type"] == "invalid_request_error"
    return dict(body)
