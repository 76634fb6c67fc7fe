"""A request body read under a size cap and parsed as a JSON object (the front door and
ov-llm-server alike)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from ..errors import BodyTooLarge, InvalidRequest

T = TypeVar("T")
# Deeper bodies are refused: later stages (schema tools, templates, json.dumps) recurse.
MAX_DEPTH = 64
_TOO_DEEP = f"the request body is nested more than {MAX_DEPTH} levels deep"
# Bodies larger than this are parsed and checked in a thread (a 16 MB body takes
# ~100 ms of CPU: never on the event loop).
THREAD_BYTES = 256 * 1024


async def read_capped(chunks: AsyncIterator[bytes], declared: str, cap: int) -> bytes:
    """The whole body; BodyTooLarge (413) as soon as it is known to pass `cap` bytes:
    from the declared Content-Length, else while it arrives."""
    if declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(_too_large(cap), param="body")
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(_too_large(cap), param="body")
        parts.append(chunk)
    return b"".join(parts)


def _too_large(cap: int) -> str:
    return f"the request body is larger than {cap / 2**20:g} MB"


def depth(value: Any) -> int:
    """How deeply objects and arrays nest in `value` (iteratively: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse_body(raw: bytes) -> dict[str, Any]:
    """A request body as a JSON object: ValueError when it is not JSON at all,
    InvalidRequest when it is JSON but not an object or nested too deeply. json.loads,
    not orjson: 3x faster on large bodies here (both hold the GIL while they run)."""
    try:
        body = json.loads(raw)
    except RecursionError:
        raise InvalidRequest(_TOO_DEEP, param="body") from None
    if not isinstance(body, dict):
        raise InvalidRequest("the request body must be a JSON object", param="body")
    if depth(body) > MAX_DEPTH:
        raise InvalidRequest(_TOO_DEEP, param="body")
    return body


async def off_the_loop(raw: bytes, check: Callable[[], T]) -> T:
    """`check()` (parsing and checking `raw`) on the event loop for a small body, in a
    thread for a large one."""
    if len(raw) > THREAD_BYTES:
        return await asyncio.to_thread(check)
    return check()
