"""self_refine and teacher_student over a FakeCaller (end to end: tests/e2e)."""

from __future__ import annotations

from typing import Any

import pytest

from router_plugins.builtin.refine import passes
from router_plugins.errors import BoardConfigError
from router_plugins.testing import FakeCaller, make_board, run_board

FMT = {"type": "json_object"}
PAIR = [{"name": "student", "model": "m-fast"}, {"name": "teacher", "model": "m-strong"}]


def critic(*verdicts: str) -> Any:
    """A critic model that answers `verdicts` in turn."""
    said = iter(verdicts)
    return lambda model, messages, params: next(said)


def test_a_critique_passes_only_when_it_says_so_briefly() -> None:
    assert passes("LGTM") and passes("lgtm.") and passes("LGTM - the answer is correct")
    assert not passes("Not LGTM: the sum is wrong, it should be 12 and not 13 at all")
    assert not passes("The answer is wrong.")


async def test_self_refine_stops_when_the_critique_passes() -> None:
    board = make_board("self_refine", PAIR[:1], {"critic": "judge"})
    caller = FakeCaller(replies={"judge": "LGTM"})
    result = await run_board(board, "2+2?", caller, params={"response_format": FMT})
    assert result.text == "m-fast: 2+2?"
    assert caller.models() == ["m-fast", "judge"]
    assert result.body["notes"] == {"rounds": 1, "verdicts": ["pass"]}
    review = caller.calls[1]
    assert "response_format" not in review[2] and review[2]["max_tokens"] == 256
    assert review[1][-2] == {"role": "assistant", "content": "m-fast: 2+2?"}


async def test_self_refine_revises_and_streams_the_last_revision() -> None:
    board = make_board("self_refine", PAIR[:1], {"critic": "judge", "rounds": 2})
    caller = FakeCaller(replies={"judge": critic("too short", "still wrong")})
    result = await run_board(board, "explain", caller, stream=True, params={"response_format": FMT})
    assert caller.models() == ["m-fast", "judge", "m-fast", "judge", "m-fast"]
    final_messages, final_params = caller.calls[-1][1], caller.calls[-1][2]
    assert final_params["response_format"] == FMT  # the answer keeps the client's format
    assert "still wrong" in final_messages[-1]["content"]
    assert result.body["notes"] == {"rounds": 2, "verdicts": ["revise", "revise"]}
    labels = [c["label"] for c in result.body["calls"]]
    assert labels == ["student", "critique#1", "revise#1", "critique#2", "revise#2"]
    usage = result.body["usage"]
    assert usage["prompt_tokens"] == 4 * 3 + 5  # four whole calls and the streamed one


async def test_a_tool_call_draft_is_sent_as_it_is() -> None:
    board = make_board("self_refine", PAIR[:1])
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    caller = FakeCaller()
    result = await run_board(board, "weather?", caller, params={"tools": tools})
    assert result.finish_reason == "tool_calls" and caller.models() == ["m-fast"]


async def test_teacher_approves_the_students_draft() -> None:
    board = make_board("teacher_student", PAIR)
    caller = FakeCaller(replies={"m-strong": "APPROVED"})
    result = await run_board(board, "capital of France?", caller)
    assert result.text == "m-fast: capital of France?"
    assert caller.models() == ["m-fast", "m-strong"] and caller.calls[1][2]["max_tokens"] == 4
    assert result.body["notes"] == {"verdict": "approved"}


async def test_teacher_corrects_and_the_correction_streams() -> None:
    board = make_board("teacher_student", PAIR)
    caller = FakeCaller(replies={"m-strong": critic("REVISE", "Paris.")})
    result = await run_board(
        board, "capital of France?", caller, stream=True, params={"response_format": FMT}
    )
    assert result.text == "Paris."
    correction = caller.calls[-1]
    assert correction[0] == "m-strong" and correction[2]["response_format"] == FMT
    assert "m-fast: capital of France?" in correction[1][0]["content"]  # the draft, in system
    assert result.body["notes"] == {"verdict": "corrected"}


async def test_a_failed_student_leaves_the_answer_to_the_teacher() -> None:
    board = make_board("teacher_student", PAIR)
    result = await run_board(board, "q", FakeCaller(fail={"m-fast"}))
    assert result.text == "m-strong: q" and result.body["notes"] == {"verdict": "none"}


def test_teacher_student_needs_two_different_specialists() -> None:
    with pytest.raises(BoardConfigError) as refused:
        make_board("teacher_student", PAIR[:1])
    assert refused.value.problems == [
        "specialists: the student and teacher specialists must be two different ones"
    ]
    with pytest.raises(BoardConfigError) as refused:
        make_board("teacher_student", PAIR, {"teacher": "prof"})
    assert refused.value.problems[0].startswith("params.teacher: 'prof' is not a specialist")
