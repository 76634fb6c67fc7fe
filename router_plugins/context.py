"""A declared board (Board) and what a strategy's hooks get as `board`: the Board plus
per-request helpers for extra calls (a judge, a verifier), embeddings and report
notes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import BoardConfigError
from .types import Answer, Message, Specialist

AskFn = Callable[[str, Sequence[Message] | None, Mapping[str, Any], str], Awaitable[Answer]]
EmbedFn = Callable[[str, Sequence[str]], Awaitable[list[list[float]]]]

__all__ = ["Board", "BoardContext"]


@dataclass(frozen=True)
class Board:
    """A declared board, built once per declaration and kept while the config stands."""

    name: str  # the client-visible model name, e.g. "board/auto"
    strategy: str
    specialists: tuple[Specialist, ...]
    coordinator: str | None
    params: Any  # the strategy's validated Params instance (or a dict without one)
    timeout: float
    state: dict[str, Any] = field(default_factory=dict, compare=False)  # the strategy's cache

    def specialist(self, name: str) -> Specialist | None:
        return next((s for s in self.specialists if s.name == name), None)

    def first_answer(self, answers: Sequence[Answer]) -> Answer:
        """The answer of the specialist listed first on the board (answers from
        elsewhere, e.g. a coordinator, come last)."""
        order = {s.name: i for i, s in enumerate(self.specialists)}
        return min(answers, key=lambda a: order.get(a.specialist, len(order)))


@dataclass(frozen=True)
class BoardContext(Board):
    """The `board` argument of every hook: the declared Board (name, strategy,
    specialists, coordinator, params, timeout, state, and its helpers) for this
    request, with the request's own helpers below."""

    _ask: AskFn | None = field(default=None, repr=False, compare=False)
    _embed: EmbedFn | None = field(default=None, repr=False, compare=False)
    _notes: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, board: Board, ask: AskFn, embed: EmbedFn, notes: dict[str, Any]) -> BoardContext:
        """`board` for one request (its `state` is shared with every other request)."""
        declared = {f.name: getattr(board, f.name) for f in fields(Board)}
        return cls(**declared, _ask=ask, _embed=embed, _notes=notes)

    def require_coordinator(self) -> str:
        if not self.coordinator:
            raise BoardConfigError(
                f"board {self.name!r}: strategy {self.strategy!r} needs a coordinator"
            )
        return self.coordinator

    async def ask(
        self,
        model: str,
        messages: Sequence[Message] | None = None,
        params: Mapping[str, Any] | None = None,
        label: str = "",
    ) -> Answer:
        """One extra call (counted in usage and in the report). `model` is a specialist
        name or a proxy model name; `messages` default to the client's. Raises
        BoardError when the call fails."""
        assert self._ask is not None, "a BoardContext is made with BoardContext.of()"
        return await self._ask(model, messages, params or {}, label)

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for `texts` from an embedding model (in-process when it is a local
        registry model)."""
        assert self._embed is not None, "a BoardContext is made with BoardContext.of()"
        return await self._embed(model, texts)

    def note(self, key: str, value: Any) -> None:
        """Add a fact to this request's report (response metadata and the log line)."""
        self._notes[key] = value
