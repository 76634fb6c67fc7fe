"""An error of ours, sealed into the message LiteLLM passes on (pure).

LiteLLM wraps a provider's error message in its own text and keeps neither its param
nor its code; the front door's guard must give the client the node's own error. So the
OpenAI `error` object rides at the end of the message, base64url-encoded, and the guard
opens it: unary or streamed, before the first chunk or inside the stream alike (a
response header would miss streamed errors: LiteLLM runs no header hook for them).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

# Asks an ov-llm-server to seal its errors too: a front door sets it on the requests it
# sends to another node of ours, so that node's error reaches the client whole.
SEAL_HEADER = "x-ov-error-seal"
_SEAL = re.compile(r"\s*\[ov-error:([A-Za-z0-9_-]+=*)\]")


def sealed(message: str, error: Mapping[str, Any]) -> str:
    """`message` with `error` (OpenAI's error object) sealed at its end."""
    packed = base64.urlsafe_b64encode(json.dumps(dict(error)).encode()).decode()
    return f"{message} [ov-error:{packed}]"


def opened(message: str) -> tuple[str, dict[str, Any] | None]:
    """The message without seals, and the first error sealed in it (if any)."""
    found = _SEAL.search(message)
    error: dict[str, Any] | None = None
    if found:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(found.group(1)))
        except ValueError:
            decoded = None
        error = decoded if isinstance(decoded, dict) else None
    return _SEAL.sub("", message), error
