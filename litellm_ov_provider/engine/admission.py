"""Admission control for one model: at most `batch` engine requests run at once, up to
`queue` more requests wait their turn in arrival order, and past that a request is
refused at once (503 with Retry-After), as Ollama's OLLAMA_MAX_QUEUE does. A request
with `n` choices holds `n` places (each choice is an engine request), taken together
so two such requests never wait on each other's half."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..errors import Overloaded

RETRY_AFTER_SECONDS = 2


class Admission:
    def __init__(self, name: str, batch: int, queue: int) -> None:
        self.name = name
        self.batch = max(1, batch)
        self.queue = max(0, queue)
        self.running = 0  # places held
        self._waiting: deque[tuple[asyncio.Future[None], int]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @asynccontextmanager
    async def slot(self, places: int = 1) -> AsyncIterator[None]:
        """Hold `places` of the engine's `batch` places for the body of the block."""
        places = max(1, min(places, self.batch))
        await self._acquire(places)
        try:
            yield
        finally:
            self._release(places)

    async def _acquire(self, places: int) -> None:
        if self.running + places <= self.batch and not self.waiting:
            self.running += places
            return
        if self.waiting >= self.queue:
            raise Overloaded(
                f"model {self.name!r} is busy: {self.running} requests running and "
                f"{self.waiting} waiting (OV_MAX_QUEUE={self.queue}); retry shortly",
                retry_after=RETRY_AFTER_SECONDS,
            )
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((turn, places))
        try:
            await turn  # a finishing request hands its places over
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release(places)  # the places came just as the caller left: pass on
            else:
                self._waiting = deque(w for w in self._waiting if w[0] is not turn)
            raise

    def _release(self, places: int) -> None:
        self.running -= places
        while self._waiting:
            turn, wanted = self._waiting[0]
            if turn.done():  # its caller left
                self._waiting.popleft()
                continue
            if self.running + wanted > self.batch:
                return  # first come, first served: nobody overtakes the head
            self._waiting.popleft()
            self.running += wanted
            turn.set_result(None)
