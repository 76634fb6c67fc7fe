"""What the front door's guard makes of LiteLLM's answers: OpenAI's error codes and the
node's own messages, and streams shaped as OpenAI's (the shapes LiteLLM 1.106.2 sends
are copied from a real proxy)."""

from __future__ import annotations

import copy
import json
from typing import Any

from litellm_ov_provider.proxy.asgi import EventsRewritten, Message
from litellm_ov_provider.proxy.envelope import opened, sealed
from litellm_ov_provider.proxy.rewrites import error_response, openai_error, unwrapped
from litellm_ov_provider.proxy.stream_shape import FINISH_REASONS, StreamReshaper

WRAPPED = (
    "litellm.ContextWindowExceededError: litellm.BadRequestError: This model's maximum "
    "context length is 96 tokens. However, you requested 231 tokens (231 in the messages, "
    "no room to answer). Please reduce the length of the messages or completion. "
    "model=tiny. context_window_fallbacks=None. fallbacks=None. Set "
    "'context_window_fallback' - https://docs.litellm.ai/docs/routing#fallbacks LiteLLM: "
    "model group 'tiny' failed with the error above. No fallback was attempted."
)


def test_litellm_s_wrapper_text_goes() -> None:
    assert unwrapped(WRAPPED).startswith("This model's maximum context length is 96 tokens")
    assert unwrapped(WRAPPED).endswith("Please reduce the length of the messages or completion.")
    told = (
        "litellm.BadRequestError: OpenvinoException - tool_choice names 'nope', which is not "
        "in tools LiteLLM: model group 'smol' failed with the error above. No fallback was "
        "attempted."
    )
    assert unwrapped(told) == "tool_choice names 'nope', which is not in tools"


def test_an_unknown_model_is_openai_s_404() -> None:
    error = {
        "message": "/chat/completions: Invalid model name passed in model=nope. Call "
        "`/v1/models` to view available models for your key.",
        "type": "invalid_request_error",
        "param": None,
        "code": "400",
    }
    status, shaped = openai_error(400, error)
    assert status == 404 and shaped["code"] == "model_not_found" and shaped["param"] == "model"
    assert shaped["message"] == "The model `nope` does not exist or you do not have access to it."


def test_a_bad_key_is_invalid_api_key_and_a_type_is_never_null() -> None:
    error = {"message": "Invalid key", "type": "authentication_error", "code": "401"}
    assert openai_error(401, error)[1]["code"] == "invalid_api_key"
    assert openai_error(401, error)[1]["type"] == "invalid_request_error"
    _, shaped = openai_error(400, {"message": WRAPPED, "type": None, "code": "400"})
    assert shaped["type"] == "invalid_request_error" and shaped["code"] is None


def test_the_node_s_own_error_replaces_litellm_s() -> None:
    node = {
        "message": "This model's maximum context length is 96 tokens...",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
    wrapped = f"litellm.BadRequestError: {sealed(node['message'], node)} LiteLLM: model group"
    body = json.dumps({"error": {"message": wrapped, "type": None, "code": "400"}}).encode()
    status, out = error_response(400, body, "")
    assert status == 400 and json.loads(out) == {"error": node}
    assert opened(wrapped)[0] == f"litellm.BadRequestError: {node['message']} LiteLLM: model group"


def _events(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shaper = StreamReshaper()  # it reshapes the chunks it is given: give it copies
    return [out for chunk in copy.deepcopy(chunks) for out in shaper.event(chunk)]


LITELLM_STREAM = [
    {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "system_fingerprint": "fp_x",
        "choices": [{"index": 0, "delta": {"content": "Hi"}}],
    },
    {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "system_fingerprint": "fp_x",
        "choices": [{"index": 1, "delta": {"content": "Yo"}}],
        FINISH_REASONS: {"0": "stop", "1": "length"},
    },
    {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    },
    {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    },
]


def test_a_stream_is_shaped_as_openai_s() -> None:
    out = _events(LITELLM_STREAM)
    assert [c["choices"] for c in out[:2]] == [
        [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": "Hi"},
                "logprobs": None,
                "finish_reason": None,
            }
        ],
        [
            {
                "index": 1,
                "delta": {"role": "assistant", "content": "Yo"},
                "logprobs": None,
                "finish_reason": None,
            }
        ],
    ]
    assert FINISH_REASONS not in out[1]
    assert [(c["choices"][0]["index"], c["choices"][0]["finish_reason"]) for c in out[2:4]] == [
        (0, "stop"),
        (1, "length"),
    ]
    assert out[-1]["choices"] == [] and out[-1]["usage"]["total_tokens"] == 5
    assert all(c["system_fingerprint"] == "fp_x" for c in out)


def test_an_error_inside_a_stream_has_a_type() -> None:
    (out,) = _events([{"error": {"message": WRAPPED, "type": None, "param": None, "code": "400"}}])
    assert out["error"]["type"] == "invalid_request_error"
    assert out["error"]["message"].startswith("This model's maximum context length")


def test_text_completion_ids_are_cmpl() -> None:
    (out,) = _events([{"id": "chatcmpl-9", "object": "text_completion", "choices": []}])
    assert out["id"] == "cmpl-9"


def test_a_text_completion_stream_keeps_its_text_without_litellm_s_zero_usage() -> None:
    zero = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    sent = [
        {"object": "text_completion", "choices": [{"index": 0, "text": "The"}], "usage": zero},
        {"object": "text_completion", "choices": [{"index": 0, "finish_reason": "length"}]},
    ]
    first, last = _events(sent)
    assert first["choices"][0]["text"] == "The" and "usage" not in first
    assert last["choices"][0] == {
        "index": 0,
        "text": "",
        "logprobs": None,
        "finish_reason": "length",
    }


async def test_events_are_rewritten_across_body_pieces() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    stream = EventsRewritten(send, lambda: StreamReshaper().event)
    raw = "".join(f"data: {json.dumps(c)}\n\n" for c in LITELLM_STREAM) + "data: [DONE]\n\n"
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/event-stream")],
    }
    await stream.send(start)
    pieces = [raw[:37], raw[37:200], raw[200:]]
    for i, piece in enumerate(pieces):
        more = i < len(pieces) - 1
        await stream.send({"type": "http.response.body", "body": piece.encode(), "more_body": more})
    text = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    events = [line[6:] for line in text.split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]" and len(events) == 6
    assert json.loads(events[0])["choices"][0]["delta"]["role"] == "assistant"
