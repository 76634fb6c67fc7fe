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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from litellm_ov_provider import node

from ..context import Board
from ..errors import BoardConfigError, BoardLoop
from ..types import Specialist

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$"
# A specialist is reached only through its model's own model_list entry: its params
# may tune sampling, never pick where or how the call connects, or what is called.
RESERVED_PARAMS = frozenset({"model", "messages", "stream", "stream_options", "board"})
# The front door's list (what no request may carry), plus what only a config could.
_CONNECTION_NAMES = node.CONNECTION_KEYS | {
    *("api_base", "base_url", "user_config", "model_list", "key", "token"),
    *("access_token", "azure_ad_token", "fallbacks", "context_window_fallbacks"),
}
_CONNECTION_MARKERS = (
    "api_base",
    "base_url",
    "_url",
    "endpoint",
    "credential",
    "secret",
    "password",
    "header",
)
_CONNECTION_PREFIXES = ("aws_", "azure_", "vertex", "gcp_", "litellm_")


def connection_param(key: str) -> bool:
    """Whether a params key would choose where or how a call connects."""
    k = key.lower()
    return (
        k in _CONNECTION_NAMES
        or k.endswith("_key")
        or k.startswith(_CONNECTION_PREFIXES)
        or any(marker in k for marker in _CONNECTION_MARKERS)
    )


def refused_params(params: Mapping[str, Any]) -> list[str]:
    """The keys of a specialist's params (and of what they nest) that are not allowed."""
    keys = list(params)
    for outer in ("extra_body", "metadata", "litellm_metadata"):
        inner = params.get(outer)
        if isinstance(inner, Mapping):
            keys += [f"{outer}.{key}" for key in inner]
    return [k for k in keys if k in RESERVED_PARAMS or connection_param(k.split(".")[-1])]


class SpecialistConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(pattern=NAME_PATTERN)
    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    description: str = ""
    examples: list[str] = []
    system_prompt: str | None = None
    params: dict[str, Any] = {}
    timeout: float | None = Field(default=None, gt=0)
    strategy_data: dict[str, Any] = {}  # the strategy's own, checked by its SpecialistData

    @field_validator("params")
    @classmethod
    def _no_connection_keys(cls, params: dict[str, Any]) -> dict[str, Any]:
        refused = refused_params(params)
        if refused:
            raise ValueError(
                f"{', '.join(refused)} cannot be set here: a specialist is called through "
                "its model's own model_list entry (connection settings live there)"
            )
        return params


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
        raise invalid(name, _problems(exc)) from exc


def invalid(name: str, problems: list[str]) -> BoardConfigError:
    """Every problem of a board, each naming its field, in one error."""
    return BoardConfigError(f"board {name!r}: {'; '.join(problems)}", problems)


def build(
    name: str,
    cfg: BoardConfig,
    params_model: type[BaseModel] | None,
    specialist_model: type[BaseModel] | None = None,
) -> Board:
    """The board, with its params and each specialist's strategy_data validated by the
    strategy's models; raises BoardConfigError listing every problem."""
    problems: list[str] = []
    params: Any = dict(cfg.params)
    if params_model is not None:
        params = _validated(params_model, cfg.params, "params", problems)
    specialists = []
    for i, s in enumerate(cfg.specialists):
        where = f"specialists[{i}].strategy_data"
        data: Any = dict(s.strategy_data)
        if specialist_model is not None:
            data = _validated(specialist_model, s.strategy_data, where, problems)
        elif s.strategy_data:
            problems.append(f"{where}: strategy {cfg.strategy!r} takes no strategy_data")
        specialists.append(
            Specialist(
                name=s.name or s.model,
                model=s.model,
                description=s.description,
                examples=tuple(s.examples),
                system_prompt=s.system_prompt,
                params=dict(s.params),
                timeout=s.timeout,
                strategy_data=data,
            )
        )
    if problems:
        raise invalid(name, problems)
    return Board(name, cfg.strategy, tuple(specialists), cfg.coordinator, params, cfg.timeout)


def _validated(model: type[BaseModel], raw: Any, where: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems += _problems(exc, where)
        return None


def _problems(exc: ValidationError, where: str = "") -> list[str]:
    out = []
    for e in exc.errors():
        path = ".".join(str(p) for p in (where, *e["loc"]) if p != "")
        out.append(f"{path or '(board)'}: {e['msg']}")
    return out


# Params of the built-in strategies that name a model the board calls.
MODEL_PARAMS = ("router_model",)


def targets(cfg: BoardConfig) -> set[str]:
    """Every proxy model name a board may call."""
    names = {s.model for s in cfg.specialists}
    names |= {str(cfg.params[k]) for k in MODEL_PARAMS if isinstance(cfg.params.get(k), str)}
    return names | ({cfg.coordinator} if cfg.coordinator else set())


def board_graph(deployments: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Board name -> the model names it calls, from the router's model list (boards
    whose declaration does not parse are left out; their own requests report it)."""
    graph: dict[str, set[str]] = {}
    for dep in deployments:
        declared = node.board_declaration(dep)
        if declared is None:
            continue
        found = _declared_targets(json.dumps(declared, sort_keys=True, default=str))
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
