"""OpenAI-shaped error bodies, and rewriting the ones LiteLLM sends (pure)."""

from __future__ import annotations

import gzip
import json
from typing import Any

from ..errors import NodeError
from ..redact import public_message

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    503: "service_unavailable",
}


def error_json(
    status: int,
    message: str,
    param: str | None = None,
    kind: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """{"error": {"message", "type", "param", "code"}} as OpenAI (and LiteLLM) send it;
    `code` is the status unless OpenAI has a word for the case."""
    kind = kind or TYPES.get(status, "internal_error" if status >= 500 else "invalid_request_error")
    code = code or str(status)
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def node_error_json(exc: NodeError) -> dict[str, Any]:
    """A NodeError as an OpenAI error body, its message freed of paths."""
    return error_json(
        exc.status_code, public_message(exc.message), exc.param, exc.error_type, exc.code
    )


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
        error["message"] = public_message(error["message"])
    elif isinstance(error, str):
        data["error"] = public_message(error)
    elif isinstance(data.get("detail"), str):
        data["detail"] = public_message(data["detail"])
    else:
        return body
    return _encoded(data, encoding)


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
