"""Several event streams read as one, in arrival order (pure asyncio): the `n` choices
of a request run side by side in the engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import TypeVar, cast

T = TypeVar("T")
_END = object()


async def merged(streams: Sequence[AsyncIterator[T]]) -> AsyncIterator[tuple[int, T]]:
    """(stream index, item) as each stream yields; an error in any stream ends all.
    Closing the result closes every stream (so the engine stops each one)."""
    if len(streams) == 1:
        async for item in streams[0]:
            yield 0, item
        return
    queue: asyncio.Queue[tuple[int, object]] = asyncio.Queue()

    async def pump(i: int, stream: AsyncIterator[T]) -> None:
        try:
            async for got in stream:
                await queue.put((i, got))
        except Exception as exc:  # handed to the reader, which raises it
            await queue.put((i, exc))
        await queue.put((i, _END))

    tasks = [asyncio.create_task(pump(i, s)) for i, s in enumerate(streams)]
    try:
        ended = 0
        while ended < len(streams):
            index, got = await queue.get()
            if got is _END:
                ended += 1
            elif isinstance(got, Exception):
                raise got
            else:
                yield index, cast(T, got)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for stream in streams:
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()
