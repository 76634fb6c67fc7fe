"""Reading a request body under a size cap (the front door and ov-llm-server alike)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..errors import BodyTooLarge


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
