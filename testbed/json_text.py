"""What JSON text looks like, for tests of constrained output."""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')  # a JSON string, escapes and all


def written_compact(text: str) -> bool:
    """No whitespace between JSON tokens (inside strings it is content)."""
    return not re.search(r"\s", _STRING.sub("", text))
