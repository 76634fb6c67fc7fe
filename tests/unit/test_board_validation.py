"""Checking boards before they serve: the built-ins' board_validate, strict params,
misspelt hooks, and the public testing helpers a plugin author uses."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from router_plugins.board.plugins import load, strict
from router_plugins.builtin.cascade import Cascade
from router_plugins.errors import BoardConfigError, PluginError
from router_plugins.hookspecs import hookimpl
from router_plugins.testing import FakeCaller, context, make_board, run_board
from router_plugins.types import Answer, BoardRequest, Usage

TWO = [{"name": "fast", "model": "m-fast"}, {"name": "heavy", "model": "m-heavy"}]


def problems(strategy: str, specialists: list[dict[str, Any]], **kw: Any) -> list[str]:
    with pytest.raises(BoardConfigError) as refused:
        make_board(strategy, specialists, **kw)
    return refused.value.problems


def test_builtins_check_names_against_the_boards_specialists() -> None:
    assert problems("cascade", TWO, params={"fast": "quick"}) == [
        "params.fast: 'quick' is not a specialist of this board (its specialists: fast, heavy)"
    ]
    assert problems("cascade", TWO[:1]) == [
        "specialists: the fast and heavy specialists must be two different ones"
    ]
    assert problems("moa", TWO) == ["coordinator: strategy 'moa' needs a coordinator model"]
    assert problems("best_of_n", TWO, params={"vote": "judge"}) == [
        "coordinator: strategy 'best_of_n' needs a coordinator model"
    ]
    assert make_board("best_of_n", TWO)  # majority vote needs no coordinator
    semantic = {"embedding_model": "e", "min_score": 0.3, "fallback": "chat"}
    assert problems("semantic", [{**TWO[0], "examples": ["a"]}], params=semantic) == [
        "params.fallback: 'chat' is not a specialist of this board (its specialists: fast)"
    ]
    assert problems("semantic", TWO, params={"embedding_model": "e"}) == [
        "specialists: give them examples (or descriptions) to match"
    ]


def test_params_models_refuse_unknown_keys_unless_they_say_otherwise() -> None:
    class Loose(BaseModel):
        a: int = 1

    class Open(BaseModel):
        model_config = ConfigDict(extra="allow")
        a: int = 1

    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        strict(Loose).model_validate({"b": 2})  # type: ignore[union-attr]
    assert strict(Open).model_validate({"b": 2}).model_extra == {"b": 2}  # type: ignore[union-attr]
    assert strict(dict) is None


def _plugin(strategy: object) -> ModuleType:
    module = ModuleType("plugin_under_test")

    @hookimpl
    def board_strategies() -> list[object]:
        return [strategy]

    module.board_strategies = board_strategies  # type: ignore[attr-defined]
    return module


def test_a_misspelt_hook_fails_loading_naming_it() -> None:
    class Typo:
        name = "typo"

        @hookimpl
        def board_rout(self, board: Any, request: Any, candidates: Any) -> None:
            return None

    with pytest.raises(PluginError, match=r"unknown hook 'board_rout'.*the hooks are board_"):
        load(["builtin"], extra=[("typo", _plugin(Typo()))])


def test_a_validate_hook_that_breaks_is_one_problem_naming_the_plugin() -> None:
    class Broken:
        name = "broken"

        @hookimpl
        def board_validate(self, board: Any) -> list[str]:
            raise KeyError("oops")

    found = problems("broken", TWO, plugin=_plugin(Broken()))
    assert found == [
        "strategy 'broken' of plugin 'under-test': board_validate failed: KeyError: 'oops'"
    ]


async def test_context_calls_one_hook_by_hand_over_a_fake_caller() -> None:
    board = make_board("cascade", TWO, params={"verifier": "judge"})
    caller = FakeCaller(replies={"judge": "no"})
    board_arg = context(board, caller)
    fast = Answer(
        "fast",
        "m-fast",
        {"role": "assistant", "content": "4"},
        "stop",
        Usage(),
        0.1,
        logprobs=(-0.1,),
    )
    request = BoardRequest("board/test", ({"role": "user", "content": "2+2?"},), {})
    outcome = await Cascade().board_coordinate(board=board_arg, request=request, answers=[fast])
    assert caller.models() == ["judge"]
    assert type(outcome).__name__ == "Synthesize"  # the verifier said no: escalate
    result = await run_board(board, "2+2?", FakeCaller(replies={"judge": "yes"}))
    assert result.answered == ["fast", "verifier"] and result.text == "m-fast: 2+2?"
