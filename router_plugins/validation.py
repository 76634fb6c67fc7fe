"""A declared board checked as a whole before it serves: its declaration, its
strategy's params and per-specialist data, then the strategy's own `board_validate`.

Run at proxy startup, on a board's first request (and by `/health`), and by `ov-board
check`; every problem is collected, each naming its field.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, NoReturn

from .board import config
from .board.plugins import Plugins, Strategy
from .context import Board, BoardContext
from .errors import BoardConfigError


def validated(name: str, raw: Any, plugins: Plugins) -> tuple[Board, Strategy]:
    """The board and its strategy, or BoardConfigError listing every problem."""
    return checked(name, config.parse(name, raw), plugins)


def checked(name: str, cfg: config.BoardConfig, plugins: Plugins) -> tuple[Board, Strategy]:
    """`validated` for a declaration already parsed."""
    try:
        strategy = plugins.strategy(cfg.strategy)
    except BoardConfigError as exc:
        raise config.invalid(name, [f"strategy: {exc.message}"]) from None
    board = config.build(name, cfg, strategy.params_model, strategy.specialist_model)
    problems = strategy_problems(board, strategy)
    if problems:
        raise config.invalid(name, problems)
    return board, strategy


async def _no_calls(*_: Any) -> NoReturn:
    raise BoardConfigError("board_validate checks the declaration; it cannot call models")


def strategy_problems(board: Board, strategy: Strategy) -> list[str]:
    """What the strategy's `board_validate` hook finds wrong with `board`."""
    context = BoardContext.of(board, _no_calls, _no_calls, {})
    whose = f"strategy {strategy.name!r} of plugin {strategy.plugin!r}"
    try:
        found = strategy.validate(board=context)
    except BoardConfigError as exc:
        return list(exc.problems)
    except Exception as exc:  # a plugin's bug: name it, as one problem
        return [f"{whose}: board_validate failed: {type(exc).__name__}: {exc}"]
    if inspect.isawaitable(found):
        if inspect.iscoroutine(found):
            found.close()
        return [f"{whose}: board_validate must be a plain function (not async)"]
    if found is None:
        return []
    if isinstance(found, str) or not isinstance(found, Sequence):
        return [f"{whose}: board_validate must return a list of problems, not {found!r}"]
    return [str(p) for p in found]


def not_a_specialist(board: Board, field: str, name: str | None) -> list[str]:
    """For `board_validate`: `field` names `name`, which must be one of the board's
    specialists (None passes: the strategy's default applies)."""
    if name is None or board.specialist(name) is not None:
        return []
    names = ", ".join(s.name for s in board.specialists)
    return [f"{field}: {name!r} is not a specialist of this board (its specialists: {names})"]


def pair(board: Board, first: str | None, last: str | None) -> tuple[str, str]:
    """Two roles of a strategy (fast and heavy, student and teacher): the specialists
    named, by default the board's first and last."""
    return first or board.specialists[0].name, last or board.specialists[-1].name


def pair_problems(
    board: Board, first: tuple[str, str | None], last: tuple[str, str | None]
) -> list[str]:
    """For `board_validate`: both roles name specialists of the board, and two
    different ones; `first` and `last` are (field, name)."""
    problems = not_a_specialist(board, *first) + not_a_specialist(board, *last)
    if not problems and len(set(pair(board, first[1], last[1]))) < 2:
        roles = f"{first[0].split('.')[-1]} and {last[0].split('.')[-1]}"
        problems.append(f"specialists: the {roles} specialists must be two different ones")
    return problems


def needs_coordinator(board: Board) -> list[str]:
    """For `board_validate`: the strategy cannot work without `coordinator:`."""
    if board.coordinator:
        return []
    return [f"coordinator: strategy {board.strategy!r} needs a coordinator model"]
