"""A request's or a load's `keep_alive`, as Ollama users know it (pure).

Seconds, or a duration such as "5m", "1h30m", "90s"; 0 unloads the model once it is
idle, a negative value keeps it loaded.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import InvalidRequest

MAX_KEEP_ALIVE = 366 * 24 * 3600.0
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def keep_alive_seconds(value: Any) -> float | None:
    """A keep_alive as seconds (negative: forever), None when not given; 400 otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _bad(value)
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:  # an integer of hundreds of digits: "forever and more"
            seconds = math.inf if value > 0 else -1.0
    elif isinstance(value, str) and value.strip():
        text = value.strip().lower()
        sign = -1.0 if text.startswith("-") else 1.0
        text = text.lstrip("+-")
        try:
            seconds = float(text)
        except ValueError:
            parts = _DURATION.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise _bad(value) from None
            seconds = sum(float(n) * _UNIT[u] for n, u in parts)
        seconds *= sign
    else:
        raise _bad(value)
    if seconds != seconds:  # NaN
        raise _bad(value)
    return -1.0 if seconds < 0 else min(seconds, MAX_KEEP_ALIVE)


def _bad(value: Any) -> InvalidRequest:
    return InvalidRequest(
        f'keep_alive must be seconds or a duration such as "5m" (0 unloads after the '
        f"request, -1 keeps the model loaded), not {str(value)[:40]!r}",
        param="keep_alive",
    )
