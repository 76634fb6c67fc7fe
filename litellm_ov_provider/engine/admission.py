"""Admission control for one model: at most `batch` requests run in the engine at
once, up to `queue` more wait their turn in arrival order, and past that a request
is refused at once (503 with Retry-After), as Ollama's OLLAMA_MAX_QUEUE does."""

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
        self.running = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the engine's `batch` places for the body of the block."""
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    async def _acquire(self) -> None:
        if self.running < self.batch and not self.waiting:
            self.running += 1
            return
        if self.waiting >= self.queue:
            raise Overloaded(
                f"model {self.name!r} is busy: {self.running} requests running and "
                f"{self.waiting} waiting (OV_MAX_QUEUE={self.queue}); retry shortly",
                retry_after=RETRY_AFTER_SECONDS,
            )
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn  # a finishing request hands its place over (running unchanged)
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the place came just as the caller left: pass it on
            elif turn in self._waiting:
                self._waiting.remove(turn)
            raise

    def _release(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.running -= 1
