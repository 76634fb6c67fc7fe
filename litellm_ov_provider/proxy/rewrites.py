"""Rewriting what LiteLLM's proxy answers: error bodies freed of paths and traces,
model paths for the master key only, family routes that say which variant they serve
(pure)."""

from __future__ import annotations

import gzip
import json
from typing import Any

from ..redact import public_message


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
