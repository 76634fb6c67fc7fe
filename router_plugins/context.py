"""What a strategy's hooks get as `board`: the board's declaration plus per-request
helpers for extra calls (a judge, a verifier), embeddings and report notes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import BoardConfigError
from .types import Answer, Message, Specialist

AskFn = Callable[[str, Sequence[Message] | None, Mapping[str, Any], str], Awaitable[Answer]]
EmbedFn = Callable[[str, Sequence[str]], Awaitable[list[list[float]]]]


@dataclass(frozen=True)
class Board:
    """A declared board, built once per config and kept while the config stands."""

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


class BoardContext:
    """The `board` argument of every hook."""

    def __init__(self, board: Board, ask: AskFn, embed: EmbedFn, notes: dict[str, Any]) -> None:
        self._board = board
        self._ask = ask
        self._embed = embed
        self._notes = notes

    @property
    def name(self) -> str:
        return self._board.name

    @property
    def specialists(self) -> tuple[Specialist, ...]:
        return self._board.specialists

    @property
    def coordinator(self) -> str | None:
        return self._board.coordinator

    @property
    def params(self) -> Any:
        return self._board.params

    @property
    def state(self) -> dict[str, Any]:
        """Kept across requests for this board (e.g. embedded example prompts)."""
        return self._board.state

    def specialist(self, name: str) -> Specialist | None:
        return self._board.specialist(name)

    def first_answer(self, answers: Sequence[Answer]) -> Answer:
        """The answer of the specialist listed first on the board."""
        return self._board.first_answer(answers)

    def require_coordinator(self) -> str:
        if not self._board.coordinator:
            raise BoardConfigError(
                f"board {self.name!r}: strategy {self._board.strategy!r} needs a coordinator"
            )
        return self._board.coordinator

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
        return await self._ask(model, messages, params or {}, label)

    async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for `texts` from an embedding model (in-process when it is a local
        registry model)."""
        return await self._embed(model, texts)

    def note(self, key: str, value: Any) -> None:
        """Add a fact to this request's report (response metadata and the log line)."""
        self._notes[key] = value
