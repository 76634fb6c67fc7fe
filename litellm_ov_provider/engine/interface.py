"""What the pool and the request flows need of a model's engine (EngineClient is the
real one: a worker process; unit tests pass a fake of their own)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from . import protocol as p


class Engine(Protocol):
    spec: p.WorkerSpec
    stalled: bool
    stats: dict[str, float]  # the engine's last reported figures (kv_cache_usage...)

    @property
    def alive(self) -> bool: ...

    @property
    def pid(self) -> int | None: ...

    def wait_ready(self, timeout: float) -> p.WorkerInfo:
        """Block until loaded (call from a thread); ModelUnavailable if it cannot."""
        ...

    def close(self, timeout: float = 10.0) -> None: ...

    def kill(self) -> None: ...

    async def submit(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        s: p.Sampling,
        context: dict[str, Any] | None = None,
        raw: str | None = None,
    ) -> tuple[p.Accepted, AsyncIterator[p.Delta | p.Finished]]: ...

    async def embed(self, texts: list[str]) -> p.Embedded: ...

    async def check_grammar(self, constraint: p.Constraint) -> p.GrammarOk: ...


# (spec, log level, stall seconds) -> a started engine; wait_ready() follows.
EngineFactory = Callable[[p.WorkerSpec, str, float], Engine]
