"""Board pieces that are pure: declarations, loop checks, plugin loading, reports and
the built-in strategies' signals."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from router_plugins.board import config
from router_plugins.board.calls import forwarded, with_system
from router_plugins.board.plugins import allowlist, describe, load
from router_plugins.board.report import CallRecord, Report
from router_plugins.builtin.best_of_n import key, majority
from router_plugins.builtin.cascade import Params as CascadeParams
from router_plugins.builtin.cascade import unsure, weak_reason
from router_plugins.errors import BoardConfigError, BoardLoop, PluginError
from router_plugins.hookspecs import hookimpl
from router_plugins.types import Answer, BoardRequest, Usage
from router_plugins.validation import validated


def answer(text: str | None, logprobs: tuple[float, ...] | None = None, **kw: Any) -> Answer:
    message = {"role": "assistant", "content": text, **kw}
    return Answer("s", "m", message, "stop", Usage(), 0.1, logprobs, label="s")


def board(name: str, *targets: str, coordinator: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"strategy": "moa", "specialists": [{"model": t} for t in targets]}
    if coordinator:
        spec["coordinator"] = coordinator
    return {"model_name": name, "litellm_params": {"model": name, "board": spec}}


def test_declaration_errors_name_the_board_and_the_field() -> None:
    with pytest.raises(BoardConfigError, match=r"board 'b/x'.*specialists: .*at least 1"):
        config.parse("b/x", {"strategy": "moa", "specialists": []})
    with pytest.raises(BoardConfigError, match="repeated: m"):
        config.parse("b/x", {"strategy": "moa", "specialists": [{"model": "m"}, {"model": "m"}]})
    with pytest.raises(BoardConfigError, match="specialsts"):
        config.parse("b/x", {"strategy": "moa", "specialsts": []})
    with pytest.raises(BoardConfigError, match="must be a mapping"):
        config.parse("b/x", None)
    with pytest.raises(BoardConfigError, match=r"specialists\.0\.model"):
        config.parse("b/x", {"strategy": "moa", "specialists": [{"model": "../etc"}]})


def test_loops_are_found_directly_and_through_other_boards() -> None:
    graph = config.board_graph(
        [
            board("board/a", "m1", "board/b"),
            board("board/b", "m2", coordinator="board/c"),
            board("board/c", "board/a"),
            board("board/self", "board/self"),
            board("board/ok", "m1", "board/leaf"),
            board("board/leaf", "m3"),
            {"model_name": "m1", "litellm_params": {"model": "openvino/m1"}},
        ]
    )
    with pytest.raises(BoardLoop, match="board/a -> board/b -> board/c -> board/a"):
        config.check_no_loop("board/a", graph)
    with pytest.raises(BoardLoop, match="board/self -> board/self"):
        config.check_no_loop("board/self", graph)
    config.check_no_loop("board/ok", graph)
    assert "m1" not in graph


def _plugin(name: str, *strategies: Any) -> ModuleType:
    module = ModuleType(name)

    @hookimpl
    def board_strategies() -> list[Any]:
        return list(strategies)

    module.board_strategies = board_strategies  # type: ignore[attr-defined]
    return module


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


def test_two_plugins_claiming_one_name_is_an_error_naming_both() -> None:
    with pytest.raises(PluginError, match="'builtin' and 'acme'"):
        load(["builtin"], extra=[("acme", _plugin("acme", Named("semantic")))])
    with pytest.raises(PluginError, match="without a name"):
        load(["builtin"], extra=[("bad", _plugin("bad", object()))])


def test_allowlist_limits_what_loads() -> None:
    assert allowlist({}) is None and allowlist({"OV_BOARD_PLUGINS": " "}) is None
    assert allowlist({"OV_BOARD_PLUGINS": "builtin, shortest"}) == ["builtin", "shortest"]
    only_builtin = load(["builtin"])
    assert "shortest_answer" not in only_builtin.strategies
    everything = load(None)  # the example package under tests/ is installed
    assert everything.strategy("shortest_answer").plugin == "shortest"
    with pytest.raises(PluginError, match=r"no such litellm_ov\.board plugin"):
        load(["nope"])
    with pytest.raises(BoardConfigError, match="unknown board strategy 'x'"):
        only_builtin.strategy("x")


def test_describe_lists_plugins_sources_hooks_and_strategies() -> None:
    rows = {r["plugin"]: r for r in describe(load(None))}
    assert rows["builtin"]["hooks"] == ["board_strategies"]
    cascade = next(s for s in rows["builtin"]["strategies"] if s["name"] == "cascade")
    assert cascade["hooks"] == ["board_route", "board_coordinate", "board_validate"]
    assert rows["shortest"]["source"].startswith("ov-board-shortest")


def test_system_prompt_merges_into_a_leading_system_message() -> None:
    user = {"role": "user", "content": "q"}
    assert with_system([user], "S") == ({"role": "system", "content": "S"}, user)
    assert with_system([{"role": "system", "content": "C"}, user], "S")[0]["content"] == "S\n\nC"
    assert with_system([user], None) == (user,)
    assert forwarded({"tools": [1], "board": {}, "max_retries": 2, "stop": None}) == {"tools": [1]}


def test_request_query_is_the_last_user_text() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}]
    req = BoardRequest(
        "b", ({"role": "user", "content": "x"}, {"role": "user", "content": parts}), {}
    )
    assert req.query() == "a\nb"  # text parts one per line, the image skipped
    assert BoardRequest("b", ({"role": "system", "content": "s"},), {}).query() == ""


def test_report_headers_are_ascii_and_bounded() -> None:
    report = Report("board/x", "moa", route_reason="naïve\nreason " + "x" * 900)
    report.calls.append(CallRecord("a", "a", "m", "panel", True, 0.5, usage=Usage(2, 3)))
    report.calls.append(CallRecord("b", "b", "m", "panel", False, 1.0, "down"))
    headers = report.headers()
    assert headers["x-board-reason"].startswith("na?ve?reason")
    assert len(headers["x-board-reason"]) == 512
    assert headers["x-board-timings-ms"] == "a=500,b=1000"
    assert headers["x-board-dropped"] == "b" and headers["x-board-specialists"] == "a"
    assert "a:panel:ok:500ms b:panel:dropped:1000ms" in report.log_line()
    assert report.body()["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}


def test_cascade_confidence_signals() -> None:
    p = CascadeParams(min_mean_logprob=-1.0)
    assert weak_reason(answer("Paris.", (-0.1, -0.3)), p) is None
    assert weak_reason(answer("Paris.", (-2.0, -3.0)), p) == "mean logprob -2.50 < -1"
    assert weak_reason(answer("I'm not sure, maybe Lyon."), p) == "uncertainty or refusal phrase"
    assert weak_reason(answer("   "), p) == "empty answer"
    assert weak_reason(answer(None, tool_calls=[{"id": "1"}]), p) is None
    assert weak_reason(answer("Paris."), p) is None  # no logprobs: that signal abstains
    assert unsure("As an AI, I cannot help with that") and not unsure("The answer is 4.")


def test_majority_vote_compares_final_answers() -> None:
    votes = [answer("So it is 12."), answer("I think 13"), answer("The answer: 12")]
    winner, count = majority(votes)
    assert (winner.text, count) == ("So it is 12.", 2)
    assert key(answer("Hello, World!")) == "hello world"
    assert key(answer(None, tool_calls=[{"function": {"name": "f"}}])) == "['f']"


def test_the_example_boards_declare_known_strategies_with_valid_params() -> None:
    import yaml

    from router_plugins.routing.learned import use_config_dir
    from testbed.proxy import REPO

    use_config_dir(REPO / "config")  # as ov-board check and the proxy do
    entries = yaml.safe_load((REPO / "config" / "boards.example.yaml").read_text())["model_list"]
    plugins = load(["builtin"])
    boards = [e for e in entries if "board" in e["litellm_params"]]
    assert {e["litellm_params"]["board"]["strategy"] for e in boards} == set(plugins.strategies)
    for entry in boards:
        name = entry["model_name"]
        assert entry["litellm_params"]["model"] == name
        validated(name, entry["litellm_params"]["board"], plugins)
    config.check_no_loop("board/auto", config.board_graph(entries))


def test_a_board_reached_again_inside_itself_is_a_loop() -> None:
    from router_plugins.proxy import declarations as declared

    raw = {"strategy": "fallback", "specialists": [{"model": "m"}]}
    declared.board_for("board/x", raw)  # fine on its own
    token = declared.inside.set(("board/y", "board/x"))
    try:
        with pytest.raises(BoardLoop, match="board/y -> board/x -> board/x"):
            declared.board_for("board/x", raw)
    finally:
        declared.inside.reset(token)


def test_ov_board_check_reports_every_board(tmp_path: Any) -> None:
    from router_plugins.cli.main import check_config

    cfg = tmp_path / "litellm.yaml"
    cfg.write_text(
        """model_list:
  - model_name: heavy
    litellm_params: {model: openai/x, api_base: "http://h/v1"}
  - model_name: board/good
    litellm_params:
      model: board/good
      board: {strategy: fallback, specialists: [{model: heavy}, {model: local}]}
  - model_name: board/typo
    litellm_params:
      model: board/typo
      board: {strategy: fallback, specialists: [{model: haevy}]}
  - model_name: board/semantic
    litellm_params:
      model: board/semantic
      board:
        strategy: semantic
        specialists: [{model: heavy}]
        params: {min_score: 0.3, embedding_model: e}
  - model_name: board/loop
    litellm_params:
      model: board/loop
      board: {strategy: moa, coordinator: board/loop, specialists: [{model: heavy}]}
  - model_name: board/many
    litellm_params:
      model: board/many
      board:
        strategy: cascade
        specialists: [{name: quick, model: heavy, strategy_data: {x: 1}}, {model: local}]
        params: {fast: quik, heavy: local, min_mean_logprob: low, colour: red}
  - model_name: board/unknown-strategy
    litellm_params:
      model: board/unknown-strategy
      board: {strategy: keywrod, specialists: [{model: heavy}]}
"""
    )
    rows = {r["board"]: r for r in check_config(cfg, load(["builtin"]), {"local"})}
    assert rows["board/good"] == {
        "board": "board/good",
        "ok": True,
        "problems": [],
        "warnings": [],
        "strategy": "fallback",
    }
    assert rows["board/typo"]["ok"] and rows["board/typo"]["warnings"] == [
        "'haevy' is neither in model_list nor in the registry"
    ]
    assert rows["board/semantic"]["problems"] == [
        "params: Value error, min_score needs a fallback specialist"
    ]
    assert rows["board/loop"]["problems"] == [
        "board 'board/loop' would call itself: board/loop -> board/loop"
    ]
    # Every problem of a board, each naming its field; the params' own problems first.
    assert rows["board/many"]["problems"] == [
        "params.min_mean_logprob: Input should be a valid number, unable to parse string as a "
        "number",
        "params.colour: Extra inputs are not permitted",
        "specialists[0].strategy_data: strategy 'cascade' takes no strategy_data",
    ]
    assert rows["board/unknown-strategy"]["problems"][0].startswith(
        "strategy: unknown board strategy 'keywrod' (loaded: best_of_n, cascade"
    )
    assert "heavy" not in rows


def test_ov_board_check_exit_status(tmp_path: Any, capsys: Any) -> None:
    from router_plugins.cli.main import main
    from testbed.proxy import REPO

    assert main(["check", str(REPO / "config" / "boards.example.yaml"), "--json"]) == 0
    assert len(__import__("json").loads(capsys.readouterr().out)) == 10
    bad = tmp_path / "bad.yaml"
    bad.write_text("model_list:\n  - {model_name: board/x, litellm_params: {model: board/x}}\n")
    assert main(["check", str(bad)]) == 1
    assert main(["check", str(tmp_path / "missing.yaml")]) == 1


def test_ov_board_check_follows_include_and_wants_a_board(tmp_path: Any) -> None:
    from router_plugins.cli.main import main
    from testbed.proxy import REPO

    (tmp_path / "boards").mkdir()
    example = (REPO / "config" / "boards.example.yaml").read_text()
    (tmp_path / "boards" / "b.yaml").write_text(example)
    top = tmp_path / "litellm.yaml"
    top.write_text("model_list: []\ninclude: [boards/b.yaml]\n")
    assert main(["check", str(top)]) == 0
    plain = tmp_path / "plain.yaml"
    plain.write_text("model_list: [{model_name: m, litellm_params: {model: openai/m}}]\n")
    assert main(["check", str(plain)]) == 1  # no boards: the wrong file was named
    looped = tmp_path / "loop.yaml"
    looped.write_text("include: [loop.yaml]\n")
    assert main(["check", str(looped)]) == 1


def test_a_strategys_bug_is_reported_under_its_plugins_name() -> None:
    from types import SimpleNamespace

    from litellm.llms.custom_llm import CustomLLMError

    from router_plugins.board.plugins import Strategy
    from router_plugins.proxy.provider import _board_errors

    strategy = Strategy(
        "keywords", "", "acme", "acme-boards 1.2", object(), None, None, (), print, print, print
    )
    run = SimpleNamespace(strategy=strategy)
    with pytest.raises(CustomLLMError) as raised, _board_errors("board/x", run):  # type: ignore[arg-type]
        raise ZeroDivisionError("division by zero")
    assert raised.value.status_code == 500
    assert "strategy 'keywords' of plugin 'acme' (acme-boards 1.2)" in raised.value.message
    assert "ZeroDivisionError" in raised.value.message
