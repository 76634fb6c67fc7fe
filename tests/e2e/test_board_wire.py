"""A board answers as a model does (issue #23): n choices, stop strings, the node's
own fields reaching its local specialists, and errors that name the field."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from testbed.boards import report_of
from testbed.refusals import refusal

pytestmark = pytest.mark.e2e
STORY = [{"role": "user", "content": "Tell me a story about a dragon."}]
# board/fallback: a dead remote specialist, then the default model.
BOARD = "board/fallback"


def test_n_runs_the_board_n_times(bc: openai.OpenAI) -> None:
    done = bc.chat.completions.create(
        model=BOARD, messages=STORY, max_tokens=8, n=2, temperature=1, seed=5
    )
    assert [c.index for c in done.choices] == [0, 1]
    assert all(c.message.content and c.finish_reason == "length" for c in done.choices)
    one_run = sum(c["completion_tokens"] for c in report_of(done)["calls"] if c["ok"])
    assert done.usage and done.usage.completion_tokens == 2 * one_run == 16


def test_n_streams_each_choice_under_its_index(bc: openai.OpenAI) -> None:
    texts: dict[int, str] = {}
    finishes: dict[int, str] = {}
    usage = None
    for chunk in bc.chat.completions.create(
        model=BOARD,
        messages=STORY,
        max_tokens=8,
        n=2,
        stream=True,
        stream_options={"include_usage": True},
    ):
        usage = chunk.usage or usage
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
            if choice.finish_reason:
                finishes[choice.index] = choice.finish_reason
    assert sorted(texts) == [0, 1] and all(texts.values())
    assert finishes == {0: "length", 1: "length"}
    assert usage is not None and usage.completion_tokens == 16


def test_stop_strings_and_the_node_s_fields_reach_its_specialists(bc: openai.OpenAI) -> None:
    cut = bc.chat.completions.create(model=BOARD, messages=STORY, max_tokens=40, stop=[" "])
    assert " " not in (cut.choices[0].message.content or "")
    assert cut.choices[0].finish_reason == "stop"
    held = bc.chat.completions.create(
        model=BOARD,
        messages=STORY,
        max_tokens=8,
        reasoning_effort="low",
        extra_body={"grammar": 'root ::= "yes" | "no"', "min_p": 0.05},
    )
    assert held.choices[0].message.content in {"yes", "no"}


@pytest.mark.parametrize(
    ("extra", "param", "code"),
    [
        ({"logprobs": True}, "logprobs", "unsupported_parameter"),
        ({"logit_bias": {"11": 5}}, "logit_bias", "unsupported_parameter"),
        ({"n": 9}, "n", None),
        ({"functions": [{"name": "f", "parameters": {}}]}, "functions", "unsupported_parameter"),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_errors_name_the_field(
    bc: openai.OpenAI, extra: dict[str, Any], param: str, code: str | None, stream: bool
) -> None:
    body = refusal(bc, stream, model=BOARD, messages=STORY, max_tokens=4, extra_body=extra)
    assert (body["param"], body["code"]) == (param, code)
