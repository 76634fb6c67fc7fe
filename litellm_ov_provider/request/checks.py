"""What the front door guard checks in a request body (pure; front_door.py does I/O)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidRequest
from .body import parse_body
from .shape import check_chat, check_embedding

MB = 2**20
INFERENCE_ROUTES = (
    "/chat/completions",
    "/completions",
    "/embeddings",
    "/responses",
    "/messages",
    "/rerank",
    "/moderations",
    "/images/generations",
)
# Keys that would pick where or how a request connects, beyond LiteLLM's own list
# (which has api_base, base_url and the provider-specific ones).
CONNECTION_KEYS = frozenset(
    {
        "api_key",
        "api_version",
        "api_type",
        "headers",
        "extra_headers",
        "organization",
        "custom_llm_provider",
        "client",
    }
)
BOARD_PARTS = ("specialists", "coordinator", "strategy")
_SURROGATE_OR_NAN = re.compile(rb"\\u[dD][89a-fA-F]|NaN|Infinity")


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 16 * MB
    max_messages: int = 4096
    max_message_chars: int = 4_000_000


def limits_from(general_settings: Mapping[str, Any]) -> Limits:
    """Caps from the proxy config: `max_request_size_mb` (LiteLLM's key) and the
    `openvino` block (`max_messages`, `max_message_chars`)."""
    base = Limits()
    size = general_settings.get("max_request_size_mb")
    ours = general_settings.get("openvino")
    ours = ours if isinstance(ours, Mapping) else {}

    def positive(value: Any, default: int) -> int:
        return int(value) if isinstance(value, int | float) and value > 0 else default

    return Limits(
        max_body_bytes=int(size * MB)
        if isinstance(size, int | float) and size > 0
        else base.max_body_bytes,
        max_messages=positive(ours.get("max_messages"), base.max_messages),
        max_message_chars=positive(ours.get("max_message_chars"), base.max_message_chars),
    )


@dataclass(frozen=True)
class Door:
    """What the checks need to know of the running proxy."""

    limits: Limits
    is_board: Callable[[str], bool]  # the model name is a board of specialists
    litellm_refusal: Callable[[dict[str, Any]], str | None]  # LiteLLM's own banned keys
    client_credentials_allowed: bool = False

    @classmethod
    def node(cls, limits: Limits) -> Door:
        """ov-llm-server's: the front door's checks minus steering (it connects nowhere
        and serves no boards)."""
        return cls(limits, lambda _: False, lambda _: None, client_credentials_allowed=True)


def check_parsed(path: str, body: dict[str, Any], door: Door) -> None:
    """The checks of an inference route's body: steering keys, OpenAI shape, caps."""
    if not path.endswith(INFERENCE_ROUTES):
        return
    check_declared(body, door)
    if path.endswith("/chat/completions"):
        check_chat(_with_path_model(body, path))
        check_sizes(body["messages"], door.limits)
    elif path.endswith("/embeddings"):
        check_embedding(_with_path_model(body, path))


def checked_body(path: str, raw: bytes, door: Door) -> dict[str, Any]:
    """ov-llm-server's body: a JSON object (400 otherwise) that passes `check_parsed`."""
    try:
        body = parse_body(raw)
    except ValueError as exc:
        raise InvalidRequest(f"the request body is not valid JSON: {exc}") from exc
    check_parsed(path, body, door)
    return body


def check_body(path: str, raw: bytes, door: Door) -> dict[str, Any] | None:
    """Raise InvalidRequest when a request body must not reach LiteLLM. Returns the
    parsed body when LiteLLM would parse it to the same value (it may then use it as
    its own parse), else None."""
    if not raw.strip():
        return None
    try:
        body = parse_body(raw)
    except ValueError:
        return None  # LiteLLM answers unparsable JSON with a 400 of its own
    check_parsed(path, body, door)
    # LiteLLM repairs lone surrogate escapes (and refuses NaN) its own way: leave those
    # bodies to its parser.
    return None if _SURROGATE_OR_NAN.search(raw) else body


def check_declared(body: dict[str, Any], door: Door) -> None:
    """No request may bring its own board, or connection settings for any model."""
    if "board" in body:
        raise InvalidRequest(
            "`board` cannot be sent in a request: boards are declared in the proxy config "
            "(model_list); call a board by its model name",
            param="board",
        )
    model = body.get("model")
    if isinstance(model, str) and door.is_board(model):
        parts = [key for key in BOARD_PARTS if key in body]
        if parts:
            raise InvalidRequest(
                f"`{parts[0]}` cannot be sent to a board: boards are declared in the proxy config",
                param=parts[0],
            )
    if door.client_credentials_allowed:
        return
    sent = sorted(CONNECTION_KEYS & body.keys())
    refusal = f"{sent[0]} is not allowed in request body" if sent else door.litellm_refusal(body)
    if refusal:
        raise InvalidRequest(
            f"{refusal.removeprefix('Rejected Request: ').rstrip('.')}: connection settings "
            "(api_base, base_url, api_key, headers...) come from the proxy config",
            param=sent[0] if sent else None,
        )


def check_sizes(messages: list[dict[str, Any]], limits: Limits) -> None:
    if len(messages) > limits.max_messages:
        raise InvalidRequest(
            f"messages has {len(messages)} items; this proxy accepts at most {limits.max_messages}",
            param="messages",
        )
    for i, message in enumerate(messages):
        size = _chars(message.get("content"))
        if size > limits.max_message_chars:
            raise InvalidRequest(
                f"messages[{i}].content has {size} characters; this proxy accepts at most "
                f"{limits.max_message_chars} per message",
                param=f"messages[{i}].content",
            )


def _chars(content: Any) -> int:
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        texts = (p.get("text") for p in content if isinstance(p, dict))
        return sum(len(t) for t in texts if isinstance(t, str))
    return 0


def _with_path_model(body: dict[str, Any], path: str) -> dict[str, Any]:
    """Azure-style routes name the model in the path (/openai/deployments/{model}/...)."""
    if "model" in body:
        return body
    parts = path.strip("/").split("/")
    for marker in ("deployments", "engines"):
        if marker in parts[:-1]:
            return {**body, "model": parts[parts.index(marker) + 1]}
    return body
