"""An embeddings request checked: its inputs and encoding (pure)."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidRequest

MAX_INPUTS = 2048
# What an embeddings request may carry besides model and input (the proxy carries them
# past LiteLLM, which drops them for custom providers; ov-llm-server passes them on).
EMBEDDING_PARAMS = ("encoding_format", "dimensions", "keep_alive")


def texts_of(raw: Any) -> list[str]:
    """OpenAI `input`: a string or a list of strings (token arrays are not accepted)."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise InvalidRequest("input must be a non-empty string or list of strings", param="input")
    if len(items) > MAX_INPUTS:
        raise InvalidRequest(f"input has {len(items)} items; at most {MAX_INPUTS}", param="input")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidRequest(
                f"input[{i}] must be a string (token arrays are not supported)", param="input"
            )
        if not item:
            raise InvalidRequest(f"input[{i}] is empty", param="input")
    return items


def encoding_format_of(params: dict[str, Any]) -> str:
    fmt = params.get("encoding_format") or "float"
    if fmt not in ("float", "base64"):
        raise InvalidRequest('encoding_format must be "float" or "base64"', param="encoding_format")
    if params.get("dimensions") is not None:
        raise InvalidRequest("dimensions is not supported by this model", param="dimensions")
    return str(fmt)
