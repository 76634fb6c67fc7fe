"""A board's declaration (the `board:` block of a model_list entry) and loop checks.

- model_name: board/auto
  litellm_params:
    model: board/auto
    board:
      strategy: semantic
      specialists:
        - {name: math, model: smol-math, description: ..., examples: [...]}
      coordinator: heavy
      timeout: 60
      params: {embedding_model: minilm-l6}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .context import Board
from .errors import BoardConfigError, BoardLoop
from .types import Specialist

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$"
PROVIDER = "board"


class SpecialistConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(pattern=NAME_PATTERN)
    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    description: str = ""
    examples: list[str] = []
    system_prompt: str | None = None
    params: dict[str, Any] = {}
    timeout: float | None = Field(default=None, gt=0)


class BoardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: str = Field(pattern=NAME_PATTERN)
    specialists: list[SpecialistConfig] = Field(min_length=1)
    coordinator: str | None = Field(default=None, pattern=NAME_PATTERN)
    timeout: float = Field(default=120.0, gt=0)
    params: dict[str, Any] = {}

    @model_validator(mode="after")
    def _unique_names(self) -> BoardConfig:
        names = [s.name or s.model for s in self.specialists]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"specialist names must be unique; repeated: {', '.join(doubled)}")
        return self


def parse(name: str, raw: Any) -> BoardConfig:
    if not isinstance(raw, Mapping):
        raise BoardConfigError(f"board {name!r}: litellm_params.board must be a mapping")
    try:
        return BoardConfig.model_validate(dict(raw))
    except ValidationError as exc:
        raise BoardConfigError(f"board {name!r}: invalid declaration: {_brief(exc)}") from exc


def build(name: str, cfg: BoardConfig, params_model: type[BaseModel] | None) -> Board:
    params: Any = dict(cfg.params)
    if params_model is not None:
        try:
            params = params_model.model_validate(cfg.params)
        except ValidationError as exc:
            raise BoardConfigError(
                f"board {name!r}: invalid params for strategy {cfg.strategy!r}: {_brief(exc)}"
            ) from exc
    specialists = tuple(
        Specialist(
            name=s.name or s.model,
            model=s.model,
            description=s.description,
            examples=tuple(s.examples),
            system_prompt=s.system_prompt,
            params=dict(s.params),
            timeout=s.timeout,
        )
        for s in cfg.specialists
    )
    return Board(name, cfg.strategy, specialists, cfg.coordinator, params, cfg.timeout)


def _brief(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(board)'}: {e['msg']}" for e in exc.errors()
    )


def targets(cfg: BoardConfig) -> set[str]:
    """Every proxy model name a board may call."""
    names = {s.model for s in cfg.specialists}
    return names | ({cfg.coordinator} if cfg.coordinator else set())


def board_graph(deployments: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Board name -> the model names it calls, from the router's model list (boards
    whose declaration does not parse are left out; their own requests report it)."""
    graph: dict[str, set[str]] = {}
    for dep in deployments:
        params = dep.get("litellm_params") or {}
        model = str(params.get("model", ""))
        if not model.startswith(f"{PROVIDER}/") or "board" not in params:
            continue
        found = _declared_targets(json.dumps(params["board"], sort_keys=True, default=str))
        if found is not None:
            graph.setdefault(str(dep.get("model_name")), set()).update(found)
    return graph


@lru_cache(maxsize=512)
def _declared_targets(declaration: str) -> frozenset[str] | None:
    """A declaration's targets, parsed once (board_graph runs on every request)."""
    try:
        return frozenset(targets(BoardConfig.model_validate(json.loads(declaration))))
    except (ValidationError, TypeError, ValueError):
        return None


def check_no_loop(start: str, graph: Mapping[str, set[str]]) -> None:
    """Raise BoardLoop when `start` can reach itself through the boards it calls."""
    path = _cycle(start, graph, [start], set())
    if path:
        raise BoardLoop(f"board {start!r} would call itself: {' -> '.join(path)}")


def _cycle(node: str, graph: Mapping[str, set[str]], path: list[str], seen: set[str]) -> list[str]:
    for nxt in sorted(graph.get(node, ())):
        if nxt == path[0]:
            return [*path, nxt]
        if nxt in seen or nxt not in graph:
            continue
        seen.add(nxt)
        found = _cycle(nxt, graph, [*path, nxt], seen)
        if found:
            return found
    return []
