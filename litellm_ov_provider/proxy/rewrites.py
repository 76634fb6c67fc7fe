"""Rewriting what LiteLLM's proxy answers (pure): error bodies as OpenAI's, freed of
paths, traces and LiteLLM's wrapper text; model paths for the master key only; family
routes that say which variant they serve.

An error of our providers rides sealed in LiteLLM's message (proxy/envelope.py), so the
client gets the node's own message, type, param and code; LiteLLM's own errors
(unknown model, bad key) are mapped to OpenAI's codes.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..core.wire import error_type
from ..redact import public_message
from .envelope import opened

_WRAPPER = re.compile(r"^(?:litellm\.\w+\s*:\s*|\w+Exception\s+-\s+)+")
# What LiteLLM appends: the fallbacks it tried, the model group, its own advice.
_TAIL = re.compile(
    r"\s+(?:model=\S+ context_window_fallbacks=|LiteLLM: model group |Received Model Group="
    r"|Available Model Group Fallbacks=)"
)
_UNKNOWN_MODEL = re.compile(r"Invalid model name passed in model=(\S+?)\.? Call")


def unwrapped(message: str) -> str:
    """LiteLLM's message without its wrapper: the sentence that says what went wrong."""
    text = _WRAPPER.sub("", message.strip())
    text = _TAIL.split(text, maxsplit=1)[0]
    return text.strip() or message.strip()


def openai_error(status: int, error: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """An error body's `error` as OpenAI sends it, and the status it goes with."""
    raw, node = opened(str(error.get("message") or ""))
    if node is not None:  # typed and scrubbed: another node of ours may have sealed it
        fields = {k: v if isinstance(v, str) else None for k, v in node.items()}
        return status, {
            "message": public_message(fields.get("message") or unwrapped(raw)),
            "type": fields.get("type") or error_type(status),
            "param": fields.get("param"),
            "code": fields.get("code"),
        }
    message = unwrapped(raw)
    unknown = _UNKNOWN_MODEL.search(raw)
    if status == 400 and unknown:
        return 404, {
            "message": f"The model `{unknown.group(1)}` does not exist or you do not have "
            "access to it.",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    code = error.get("code")
    if status == 401:
        code = "invalid_api_key"
    elif status == 429:
        code = "rate_limit_exceeded"
    elif not isinstance(code, str) or code.isdigit():
        code = None  # OpenAI has no word for it
    param = error.get("param") if status != 401 else None
    kind = error.get("type") if status not in (401,) else None
    return status, {
        "message": public_message(message),
        "type": kind or error_type(status),
        "param": param if isinstance(param, str) else None,
        "code": code,
    }


def error_response(status: int, body: bytes, encoding: str) -> tuple[int, bytes]:
    """An error response as OpenAI's (its status may change: an unknown model is a 404)."""
    data = _decoded(body, encoding)
    if not isinstance(data, dict):
        return status, body
    error = data.get("error")
    if not isinstance(error, dict):
        return status, scrub_error_body(body, encoding)
    status, shaped = openai_error(status, error)
    return status, _encoded({"error": shaped}, encoding)


def _decoded(body: bytes, encoding: str) -> Any:
    if encoding not in ("", "identity", "gzip"):
        return None
    try:
        return json.loads(gzip.decompress(body) if encoding == "gzip" else body)
    except (ValueError, OSError, EOFError):
        return None


def _encoded(data: Any, encoding: str) -> bytes:
    raw = json.dumps(data, ensure_ascii=False).encode()
    return gzip.compress(raw) if encoding == "gzip" else raw


def scrub_error_body(body: bytes, encoding: str) -> bytes:
    """An error body with its message freed of paths and stack traces."""
    data = _decoded(body, encoding)
    if not isinstance(data, dict):
        return body
    error = data.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        error["message"] = public_message(opened(error["message"])[0])
    elif isinstance(error, str):
        data["error"] = public_message(opened(error)[0])
    elif isinstance(data.get("detail"), str):
        data["detail"] = public_message(data["detail"])
    else:
        return body
    return _encoded(data, encoding)


def rewrite_json(
    body: bytes, encoding: str, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> bytes:
    """A JSON object body changed by `change` (anything else as it is)."""
    data = _decoded(body, encoding)
    return _encoded(change(data), encoding) if isinstance(data, dict) else body


def without_paths(body: bytes, encoding: str) -> bytes:
    """A /model/info body without model_info.path (shown to the master key only)."""
    data = _decoded(body, encoding)
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return body
    for item in items:
        info = item.get("model_info") if isinstance(item, dict) else None
        if isinstance(info, dict):
            info.pop("path", None)
    return _encoded(data, encoding)


def with_aliases(body: bytes, encoding: str, aliases: dict[str, str]) -> bytes:
    """A /v1/models body whose family routes say which variant they serve
    (`alias_of`)."""
    data = _decoded(body, encoding)
    items = data.get("data") if isinstance(data, dict) else None
    if not aliases or not isinstance(items, list):
        return body
    for item in items:
        if isinstance(item, dict) and item.get("id") in aliases:
            item["alias_of"] = aliases[item["id"]]
    return _encoded(data, encoding)


def with_facts(body: bytes, encoding: str, facts: dict[str, Any]) -> bytes:
    """A JSON object body with `facts` added (/health: the other nodes, Redis)."""
    return rewrite_json(body, encoding, lambda data: {**data, **facts}) if facts else body


def with_readiness(
    status: int, body: bytes, encoding: str, ready: bool, counts: dict[str, int]
) -> tuple[int, bytes]:
    """LiteLLM's /health/readiness with the pinned models' state: 503 while one is
    still loading (names stay out: readiness is asked without a key)."""
    if not counts:
        return status, body
    changed = rewrite_json(body, encoding, lambda d: {**d, "pinned_models": counts})
    if ready:
        return status, changed
    return 503, rewrite_json(changed, encoding, lambda d: {**d, "status": "loading"})
