"""#26: the router model's grammar and fallbacks, hybrid, the learned router, labelled
files and the measures of `ov-board eval`, with fakes (the real models: e2e)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from router_plugins.errors import BoardConfigError
from router_plugins.hookspecs import hookimpl
from router_plugins.routing import learned
from router_plugins.routing.labelled import LabelledFileError, parse_lines, read_labelled
from router_plugins.routing.measure import Both, Decision, best_margin, score, sweep
from router_plugins.routing.picks import UnusablePick, cut
from router_plugins.testing import (
    FakeCaller,
    RouterFailed,
    ask_router,
    evaluate_board,
    fit_router,
    make_board,
    names_schema,
    parse_picks,
    picks_reply,
    run_board,
)
from router_plugins.types import Call, Route

SPECS = [
    {
        "name": "code",
        "model": "m-code",
        "description": "Programming and git.",
        "examples": ["fix my python bug"],
    },
    {
        "name": "math",
        "model": "m-math",
        "description": "Arithmetic and algebra.",
        "examples": ["solve 2x+1=5"],
    },
    {
        "name": "general",
        "model": "m-gen",
        "description": "Everything else.",
        "examples": ["tell me a joke"],
    },
]
NAMES = ["code", "math", "general"]


def test_the_schema_admits_only_names_and_the_answer_is_checked_again() -> None:
    one = names_schema(NAMES)
    assert one["properties"]["pick"]["enum"] == NAMES and one["required"] == ["pick"]
    many = names_schema(NAMES, 2)["properties"]["picks"]
    assert many["items"]["enum"] == NAMES and many["maxItems"] == 2
    assert parse_picks('{"pick": "math"}', NAMES) == ("math",)
    assert parse_picks('{"picks": ["math", "math", "code", "x"]}', NAMES, 2) == ("math", "code")
    assert parse_picks('"code"', NAMES) == ("code",) and parse_picks("general", NAMES) == (
        "general",
    )
    for bad in ('{"pick": "chef"}', "", "{}", '{"pick": 3}', "[1, 2]"):
        with pytest.raises(UnusablePick):
            parse_picks(bad, NAMES)


def test_a_long_request_keeps_its_start_and_its_end() -> None:
    text = "A" * 3000 + " the actual question?"
    got = cut(text, 300)
    assert len(got) <= 310 and got.startswith("AAA") and got.endswith("question?")


def _router_board(**params: object) -> tuple:  # type: ignore[type-arg]
    return make_board("router", SPECS, {"router_model": "judge", **params})


def test_the_router_model_picks_and_its_call_counts() -> None:
    caller = FakeCaller(replies={"judge": picks_reply("math")})
    result = asyncio.run(run_board(_router_board(), "what is 12 times 9", caller))
    assert result.answered == ["router", "math"] and caller.models() == ["judge", "m-math"]
    notes = result.body["notes"]
    assert notes["decided_by"] == "router model" and notes["router_pick"] == '{"pick": "math"}'
    assert "router_ms" in notes
    assert result.body["usage"]["prompt_tokens"] == 6  # the router's 3 + the answer's 3
    sent = caller.calls[0][2]
    assert sent["temperature"] == 0 and sent["response_format"]["json_schema"][
        "schema"
    ] == names_schema(NAMES)
    assert "tools" not in sent  # the client's tools are not the router's


@pytest.mark.parametrize("trouble", ["fail", "slow", "nonsense"])
def test_a_failing_router_never_fails_the_request(trouble: str) -> None:
    caller = FakeCaller(replies={"judge": "I think the math one"})
    if trouble != "nonsense":
        getattr(caller, trouble).add("judge")
    board = _router_board(fallback="general", timeout_seconds=0.2)
    result = asyncio.run(run_board(board, "what is 12 times 9", caller))
    assert result.answered[-1] == "general"
    assert (
        result.body["notes"]["decided_by"] == "fallback" and result.body["notes"]["router_failed"]
    )


def _topic(text: str) -> list[float]:
    """A fake embedding: code words, math words, or neither."""
    t = text.lower()
    if any(w in t for w in ("python", "code", "programming", "git")):
        return [1.0, 0.0]
    if any(w in t for w in ("times", "2x", "arithmetic", "algebra", "math")):
        return [0.0, 1.0]
    return [-1.0, 0.0]


def test_a_failing_router_hands_over_to_the_semantic_rule_when_it_can() -> None:
    caller = FakeCaller(fail={"judge"}, embedding=_topic)
    board = _router_board(embedding_model="emb")
    result = asyncio.run(run_board(board, "what is 12 times 9", caller))
    assert result.answered == ["math"] and result.body["notes"]["decided_by"] == "semantic"


def test_several_picks_need_a_coordinator_and_answer_as_a_panel() -> None:
    with pytest.raises(BoardConfigError, match="coordinator"):
        _router_board(max_picks=2)
    board = make_board(
        "router", SPECS, {"router_model": "judge", "max_picks": 2}, coordinator="coord"
    )
    caller = FakeCaller(replies={"judge": picks_reply("code", "math")})
    result = asyncio.run(run_board(board, "plot y = x^2 in python", caller))
    assert set(result.answered) >= {"code", "math"}


def test_hybrid_says_which_rule_decided() -> None:
    def vectors(text: str) -> list[float]:
        return [0.7, 0.7] if text == "half code half math" else _topic(text)

    caller = FakeCaller(replies={"judge": picks_reply("math")}, embedding=vectors)
    board = make_board(
        "hybrid", SPECS, {"embedding_model": "e", "router_model": "judge", "margin": 0.2}
    )
    first = asyncio.run(run_board(board, "clearly code here", caller))
    assert first.body["notes"]["decided_by"] == "semantic" and first.answered == ["code"]
    second = asyncio.run(run_board(board, "half code half math", caller))
    assert second.body["notes"]["decided_by"] == "router model" and second.answered[-1] == "math"


def _axes(text: str) -> list[float]:
    """A fake embedding: which topic words the text has."""
    words = text.lower()
    return [
        float("python" in words or "code" in words),
        float("sum" in words or "2x" in words),
        0.1,
    ]


def test_a_learned_router_round_trips_and_refuses_another_embedding_model(tmp_path: Path) -> None:
    prompts = [
        "python code",
        "code review",
        "sum of 3 and 4",
        "solve 2x",
        "hello there",
        "nice day",
    ]
    labels = ["code", "code", "math", "math", "general", "general"]
    router = fit_router(
        [_axes(p) for p in prompts], labels, "emb", [_axes(p) for p in learned.PROBES], prompts
    )
    path = tmp_path / "router.json"
    learned.save(router, path)
    saved = json.loads(path.read_text())
    assert saved["embedding_model"] == "emb" and saved["labels"] == sorted(set(labels))
    assert len(saved["embedding_fingerprint"]) == 64 and prompts[0] not in path.read_text()
    board = make_board("learned", SPECS, {"model_file": str(path), "embedding_model": "emb"})
    caller = FakeCaller(embedding=_axes)
    assert asyncio.run(run_board(board, "my python code fails", caller)).answered == ["code"]
    with pytest.raises(BoardConfigError, match="trained on 'emb'"):
        make_board("learned", SPECS, {"model_file": str(path), "embedding_model": "other"})
    shifted = FakeCaller(embedding=lambda t: [0.1, 0.2, 1.0])  # same name, other vectors
    fresh = make_board("learned", SPECS, {"model_file": str(path), "embedding_model": "emb"})
    with pytest.raises(BoardConfigError, match="no longer gives the vectors"):
        asyncio.run(run_board(fresh, "my python code fails", shifted))
    scores = asyncio.run(
        evaluate_board(board, [("python code", "code"), ("sum of it", "math")], caller)
    )
    assert scores.accuracy == 1.0 and scores.seen_in_training == 1  # "python code" was trained on


def test_a_learned_router_with_labels_the_board_lacks_is_refused(tmp_path: Path) -> None:
    router = fit_router([[1.0, 0], [0, 1.0]], ["code", "chef"], "emb", [[1.0, 0]] * 3, ["a", "b"])
    learned.save(router, tmp_path / "r.json")
    with pytest.raises(BoardConfigError, match="chef are not specialists"):
        make_board(
            "learned", SPECS, {"model_file": str(tmp_path / "r.json"), "embedding_model": "emb"}
        )
    (tmp_path / "bad.json").write_text('{"kind": "something else"}')
    with pytest.raises(BoardConfigError, match="not a learned router"):
        make_board(
            "learned", SPECS, {"model_file": str(tmp_path / "bad.json"), "embedding_model": "emb"}
        )


def test_labelled_file_problems_name_their_lines(tmp_path: Path) -> None:
    text = "\n".join(
        [
            '{"prompt": "fix it", "label": "code"}',
            "not json",
            '{"prompt": "", "label": "code"}',
            '{"prompt": "cook rice", "label": "chef"}',
            '{"prompt": "Fix  it", "label": "code"}',
            '["prompt", "label"]',
            '{"prompt": "x", "label": "math", "extra": 1}',
        ]
    )
    rows, problems = parse_lines(text, NAMES)
    assert [r.line for r in rows] == [1]
    assert [p.split(":")[0] for p in problems] == [
        "line 2",
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "unknown label 'chef'" in problems[2] and "same prompt as line 1" in problems[3]
    path = tmp_path / "f.jsonl"
    path.write_text(text)
    with pytest.raises(LabelledFileError, match="line 4: unknown label"):
        read_labelled(path, NAMES)
    path.write_text("")
    with pytest.raises(LabelledFileError, match="no labelled prompts"):
        read_labelled(path)


def test_scores_and_the_hybrid_sweep() -> None:
    ds = [Decision("code", "code", 5.0), Decision("math", "code", 7.0, 1, 40, "router model")]
    s = score(ds, NAMES)
    assert s.accuracy == 0.5 and s.recall == {"code": 1.0, "math": 0.0}
    assert s.confusion["math"]["code"] == 1 and s.router_tokens == 40 and s.ms_median == 6.0
    rows = [Both("code", "code", 0.3, "math", 10), Both("math", "code", 0.01, "math", 10)]
    table = sweep(rows, [0.0, 0.05, 0.5])
    assert [r.accuracy for r in table] == [0.5, 1.0, 0.5]
    assert best_margin(table).margin == 0.05 and table[1].router_share == 0.5


def test_the_learned_router_predicts_with_numpy_only() -> None:
    router = fit_router([[1.0, 0.0], [0.0, 1.0]] * 3, ["a", "b"] * 3, "e", [[1.0, 0.0]] * 3, ["p"])
    probs = router.probabilities(np.asarray([[1.0, 0.0]]))
    assert probs.shape == (1, 2) and router.labels[int(probs.argmax())] == "a"


class _AskFirst:
    """A third party's strategy built on the public router parts."""

    name = "ask_first"

    @hookimpl
    async def board_route(self, board, request, candidates):  # type: ignore[no-untyped-def]
        try:
            decision = await ask_router(board, "judge", candidates, request.query(), max_picks=1)
        except RouterFailed as exc:
            return Route((Call(candidates[-1].name),), f"ask_first: {exc}", final=True)
        return Route((Call(decision.picks[0]),), "ask_first: judge", final=True)


class _Plugin:
    @hookimpl
    def board_strategies(self) -> list[object]:
        return [_AskFirst()]


def test_a_third_party_router_uses_the_public_parts() -> None:
    board = make_board("ask_first", SPECS, plugin=_Plugin())
    picked = asyncio.run(
        run_board(board, "sum it", FakeCaller(replies={"judge": picks_reply("math")}))
    )
    assert picked.answered == ["router", "math"]
    failed = asyncio.run(run_board(board, "sum it", FakeCaller(fail={"judge"})))
    assert failed.answered == ["general"] and "judge failed" in failed.body["route"]["reason"]
    scores = asyncio.run(
        evaluate_board(
            board,
            [("sum it", "math"), ("a joke", "general")],
            FakeCaller(replies={"judge": picks_reply("math")}),
        )
    )
    assert scores.accuracy == 0.5 and scores.router_calls == 2 and scores.router_tokens == 10
