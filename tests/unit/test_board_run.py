"""A board run and every hook, over a fake Caller (the real one is exercised
end to end in tests/e2e/test_board*.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import pytest

from router_plugins.board.calls import Reply
from router_plugins.board.plugins import Plugins, load
from router_plugins.board.run import BoardRun
from router_plugins.errors import BoardConfigError, BoardError, NoLiveSpecialist
from router_plugins.hookspecs import hookimpl
from router_plugins.testing import FakeCaller, make_board
from router_plugins.types import (
    Answer,
    BoardRequest,
    Call,
    Failure,
    Pick,
    Route,
    Specialist,
    Synthesize,
    Usage,
)

SPECS = [
    {"name": "a", "model": "m-a", "system_prompt": "You are A."},
    {"name": "b", "model": "m-b"},
]
MESSAGES = (
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": [{"type": "text", "text": "hello"}]},
    {"role": "assistant", "content": "hi"},
    {"role": "user", "content": "q?"},
)


def run_for(
    strategy: str,
    caller: FakeCaller,
    plugins: Plugins | None = None,
    params: dict[str, Any] | None = None,
    coordinator: str | None = "coord",
    specialists: list[dict[str, Any]] | None = None,
    request_params: dict[str, Any] | None = None,
    timeout: float = 5,
) -> BoardRun:
    board, chosen = make_board(
        strategy,
        specialists or SPECS,
        params,
        coordinator,
        timeout,
        plugins=plugins,
        name="board/t",
    )
    request = BoardRequest("board/t", MESSAGES, request_params or {"temperature": 0.1})
    return BoardRun(board, chosen, request, caller)


async def test_specialists_get_the_full_conversation_with_their_system_prompt() -> None:
    caller = FakeCaller()
    tools = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    fmt = {"type": "json_object"}
    run = run_for("moa", caller, request_params={"tools": tools, "response_format": fmt, "seed": 3})
    await run.complete()
    sent = {model: (messages, params) for model, messages, params in caller.calls}
    messages, params = sent["m-a"]
    assert messages[0] == {"role": "system", "content": "You are A.\n\nBe brief."}
    assert messages[1:] == MESSAGES[1:]  # multimodal parts and turns untouched
    assert sent["m-b"][0] == MESSAGES
    for _, params in sent.values():
        assert params["tools"] == tools and params["response_format"] == fmt
    coord_messages, _ = sent["coord"]
    assert coord_messages[1:] == MESSAGES[1:] and "Answer 1 (a)" in coord_messages[0]["content"]


async def test_default_hooks_route_to_everyone_and_pick_the_first_answer() -> None:
    class RouteOnlyNothing:
        name = "bare"

    @hookimpl
    def board_strategies() -> list[object]:
        return [RouteOnlyNothing()]

    plugins = load(["builtin"], extra=[("bare", _module(board_strategies))])
    caller = FakeCaller()
    run = run_for("bare", caller, plugins)
    answer = await run.complete()
    assert {m for m, _, _ in caller.calls} == {"m-a", "m-b"}
    assert answer.specialist == "a"
    assert run.report.route_reason.startswith("default route")
    assert run.report.coordinator_reason.startswith("default coordinator")


async def test_route_and_coordinate_hooks_of_a_strategy_are_called_with_their_arguments() -> None:
    seen: dict[str, Any] = {}

    class Custom:
        name = "custom"

        @hookimpl
        async def board_route(self, board, request, candidates):  # type: ignore[no-untyped-def]
            seen["route"] = (board.name, request.query(), [c.name for c in candidates])
            return Route((Call("b", params={"temperature": 0.9}, label="b-hot"),), "because")

        @hookimpl
        def board_coordinate(self, board, request, answers, failures):  # type: ignore[no-untyped-def]
            seen["coordinate"] = ([a.label for a in answers], list(failures))
            board.note("k", "v")
            return Pick(answers[0], "only one", notes={"n": 1})

    @hookimpl
    def board_strategies() -> list[object]:
        return [Custom()]

    plugins = load(["builtin"], extra=[("custom", _module(board_strategies))])
    caller = FakeCaller()
    run = run_for("custom", caller, plugins)
    answer = await run.complete()
    assert seen["route"] == ("board/t", "q?", ["a", "b"])
    assert seen["coordinate"] == (["b-hot"], [])
    assert caller.calls[0][2]["temperature"] == 0.9
    assert answer.message["content"] == "m-b: q?"
    assert run.report.notes == {"k": "v", "n": 1}
    assert run.report.body()["route"]["reason"] == "because"


async def test_a_failed_and_a_timed_out_specialist_are_dropped_and_reported() -> None:
    caller = FakeCaller(fail=["m-a"])
    specs = [*SPECS, {"name": "c", "model": "m-c", "timeout": 0.05}]
    caller.slow = {"m-c"}
    run = run_for("moa", caller, specialists=specs)
    await run.complete()
    body = run.report.body()
    assert body["dropped"] == ["a", "c"] and body["answered"] == ["b", "coordinator"]
    errors = {c["label"]: c["error"] for c in body["calls"] if not c["ok"]}
    assert errors == {"a": "m-a is down", "c": "timed out after 0.05 s"}
    assert run.report.headers()["x-board-dropped"] == "a,c"


async def test_no_live_specialist_is_503_but_a_shared_4xx_is_the_clients() -> None:
    with pytest.raises(NoLiveSpecialist):
        await run_for("moa", FakeCaller(fail=["m-a", "m-b"])).complete()
    with pytest.raises(BoardError) as err:
        await run_for("moa", FakeCaller(fail=["m-a", "m-b"], status=400)).complete()
    assert err.value.status_code == 400 and "rejected the request" in err.value.message
    caller = FakeCaller(fail={"m-a", "m-b"}, status=400, param="logit_bias", code="unsupported")
    with pytest.raises(BoardError) as err:
        await run_for("moa", caller).complete()
    assert (err.value.param, err.value.code) == ("logit_bias", "unsupported")


async def test_final_pass_streams_and_usage_is_the_sum_of_every_call() -> None:
    caller = FakeCaller(replies={"coord": "one two"})
    run = run_for("moa", caller)
    pieces = [p async for p in await run.stream()]
    assert "".join(p.text for p in pieces) == "one two"
    assert run.report.usage == Usage(3 + 3 + 5, 2 + 2 + 2)
    assert [c.phase for c in run.report.calls] == ["panel", "panel", "final"]


async def test_fallback_streams_the_first_specialist_that_starts() -> None:
    caller = FakeCaller(fail=["m-a"])
    run = run_for("fallback", caller, coordinator=None)
    pieces = [p async for p in await run.stream()]
    assert pieces[-1].finish_reason == "stop"
    assert [(c.label, c.ok) for c in run.report.calls] == [("a", False), ("b", True)]


async def test_a_picked_tool_call_passes_through_unchanged() -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    caller = FakeCaller()
    run = run_for("fallback", caller, coordinator=None, request_params={"tools": tools})
    answer = await run.complete()
    assert answer.finish_reason == "tool_calls"
    assert answer.message["tool_calls"][0]["id"] == "call_1"


async def test_a_strategy_choosing_a_stranger_is_a_config_error() -> None:
    class Stray:
        name = "stray"

        @hookimpl
        def board_route(self, board, request, candidates):  # type: ignore[no-untyped-def]
            return Route((Call("nobody"),), "oops")

    @hookimpl
    def board_strategies() -> list[object]:
        return [Stray()]

    plugins = load(["builtin"], extra=[("stray", _module(board_strategies))])
    with pytest.raises(BoardConfigError, match="'nobody', which is not one of its specialists"):
        await run_for("stray", FakeCaller(), plugins).complete()


async def test_cascade_escalates_a_weak_answer_to_the_heavy_specialist() -> None:
    caller = FakeCaller()
    run = run_for("cascade", caller, params={"min_mean_logprob": -0.01})
    answer = await run.complete()
    assert answer.specialist == "b"
    assert run.report.notes["escalated"] is True
    assert caller.calls[0][2]["logprobs"] is True
    calm = run_for("cascade", FakeCaller(), params={"min_mean_logprob": -5})
    assert (await calm.complete()).specialist == "a"


async def test_best_of_n_judge_uses_the_coordinator() -> None:
    class Judge(FakeCaller):
        async def complete(
            self, model: str, messages: Sequence[Any], params: Mapping[str, Any]
        ) -> Reply:
            if model == "coord":
                self.calls.append((model, tuple(messages), dict(params)))
                return Reply({"role": "assistant", "content": "2"}, "stop", Usage(9, 1))
            return await super().complete(model, messages, params)

    caller = Judge()
    run = run_for("best_of_n", caller, params={"n": 3, "vote": "judge"})
    answer = await run.complete()
    assert answer.label == "b#2"
    assert run.report.coordinator_reason == "judge chose answer 2 of 3"
    seeds = [params["seed"] for model, _, params in caller.calls if model != "coord"]
    assert seeds == [1, 2, 3]
    assert run.report.usage == Usage(3 * 3 + 9, 3 * 2 + 1)


async def test_semantic_router_embeds_examples_once_per_board() -> None:
    class Embeds(FakeCaller):
        def __init__(self) -> None:
            super().__init__()
            self.embedded: list[list[str]] = []

        async def embed(self, model: str, texts: Sequence[str]) -> list[list[float]]:
            self.embedded.append(list(texts))
            return [[1.0, 0.0] if "sum" in t else [0.0, 1.0] for t in texts]

    specs = [
        {"name": "math", "model": "m-a", "examples": ["sum of two numbers"]},
        {"name": "chat", "model": "m-b", "examples": ["how are you"]},
    ]
    caller = Embeds()
    first = run_for("semantic", caller, params={"embedding_model": "e"}, specialists=specs)
    request = BoardRequest("board/t", ({"role": "user", "content": "a sum?"},), {})
    first.request = request
    await first.stream()
    second = BoardRun(first.board, first.strategy, request, caller)
    pieces = [p async for p in await second.stream()]
    assert caller.embedded == [["sum of two numbers", "how are you"], ["a sum?"], ["a sum?"]]
    assert second.report.route_reason == "semantic: math 1.00, next chat 0.00"
    assert [c.model for c in second.report.calls] == ["m-a"] and pieces


def _module(hook: Any) -> Any:
    """A plugin module holding one module-level hook implementation."""
    module = ModuleType(f"plugin_{id(hook)}")
    module.board_strategies = hook  # type: ignore[attr-defined]
    return module


def test_result_types_are_plain_data() -> None:
    a = Answer("a", "m", {"role": "assistant", "content": "x"}, "stop", Usage(1, 1), 0.1)
    assert Pick(a, "r").answer.text == "x"
    assert Synthesize("coord", "r").messages is None
    assert Failure("a", "e", 0.1).status is None
    assert Specialist("a", "m").timeout is None


async def test_a_failed_coordinator_falls_back_to_the_panels_first_answer() -> None:
    run = run_for("moa", FakeCaller(fail=["coord"]))
    answer = await run.complete()
    assert answer.specialist == "a" and run.report.notes["final_pass_failed"] is True
    assert run.report.coordinator_reason.endswith("coordinator failed, answered with a")
    streamed = run_for("moa", FakeCaller(fail=["coord"]))
    pieces = [p async for p in await streamed.stream()]
    assert pieces[0].text == "m-a: q?" and pieces[-1].finish_reason == "stop"
    assert streamed.report.dropped == ["coordinator"]
