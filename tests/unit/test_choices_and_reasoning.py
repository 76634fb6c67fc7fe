"""n choices over fake engines (each its own seeded engine request, places held
together), and a reasoning model's thoughts apart from its answer."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from litellm_ov_provider.core import chat
from litellm_ov_provider.core.reasoning import ReasoningSplitter
from litellm_ov_provider.core.types import Usage
from litellm_ov_provider.engine.admission import Admission
from litellm_ov_provider.errors import InvalidRequest
from litellm_ov_provider.request.reasoning import Thoughts, markers
from tests.unit.fakes import Script, fake_runtime

HI = [{"role": "user", "content": "Hi"}]


async def test_n_choices_are_seeded_apart_and_their_usage_summed(tmp_path: Path) -> None:
    script = Script()
    runtime = fake_runtime(tmp_path, script)
    done = await chat.complete(runtime, "a", HI, {"n": 3, "seed": 40})
    assert [c.index for c in done.choices] == [0, 1, 2]
    assert [s.seed for s in script.samplings] == [40, 41, 42]
    assert done.usage == Usage(7, 21)  # the prompt once, every choice's completion
    chunks = [c async for c in await chat.open_stream(runtime, "a", HI, {"n": 2})]
    finishes = {c.index: c.finish_reason for c in chunks if c.finish_reason}
    assert finishes == {0: "stop", 1: "stop"} and chunks[-1].usage == Usage(7, 14)
    unseeded = script.samplings[-2:]
    assert unseeded[1].seed == (unseeded[0].seed or 0) + 1  # a fresh random base


async def test_a_request_with_n_choices_holds_its_places_together() -> None:
    gate = Admission("m", batch=4, queue=8)
    async with gate.slot(3):
        assert gate.running == 3
        waiter = asyncio.create_task(_hold(gate, 2))
        await asyncio.sleep(0)
        assert gate.waiting == 1 and gate.running == 3  # 3 + 2 > 4: it waits whole
    await waiter
    assert gate.running == 0 and gate.waiting == 0


async def _hold(gate: Admission, places: int) -> None:
    async with gate.slot(places):
        assert gate.running == places


async def test_reasoning_effort_reaches_the_template(tmp_path: Path) -> None:
    script = Script()
    runtime = fake_runtime(tmp_path, script)
    await chat.complete(runtime, "a", HI, {"reasoning_effort": "minimal"})
    assert script.contexts[-1] == {"reasoning_effort": "minimal", "enable_thinking": False}
    with pytest.raises(InvalidRequest, match="reasoning_effort"):
        await chat.complete(runtime, "a", HI, {"reasoning_effort": "maximal"})


def split(pieces: list[str], opened: bool = False) -> tuple[str, str]:
    splitter = ReasoningSplitter(Thoughts(opened=opened))
    thoughts, answer = [], []
    for piece in pieces:
        t, a = splitter.feed(piece)
        thoughts.append(t)
        answer.append(a)
    t, a = splitter.finish()
    return "".join([*thoughts, t]), "".join([*answer, a])


def test_thoughts_go_apart_even_with_markers_split_across_tokens() -> None:
    assert split(["<th", "ink>plan", " it</th", "ink>\nThe answer."]) == ("plan it", "The answer.")
    assert split(["  <think>", "unfinished"]) == ("unfinished", "")
    assert split(["No thoughts here <think>x</think>"]) == ("", "No thoughts here <think>x</think>")
    assert split(["<", "b>bold</b>"]) == ("", "<b>bold</b>")
    assert split(["<think>x</think>", "\n", "\n ", "Hi\n"]) == ("x", "Hi\n")


def test_a_template_that_opens_the_thoughts_gets_replies_that_only_close_them() -> None:
    assert split(["plan", " it</th", "ink>\n\nThe answer."], opened=True) == (
        "plan it",
        "The answer.",
    )
    assert split(["still thinking"], opened=True) == ("still thinking", "")


@given(st.text(alphabet="ab <>/thinkT.", max_size=30), st.lists(st.integers(0, 40), max_size=6))
def test_however_the_reply_is_cut_the_split_is_the_same(body: str, cuts: list[int]) -> None:
    text = f"<think>{body.replace('</think>', '')}</think>answer"
    bounds = [0, *sorted({c for c in cuts if c <= len(text)}), len(text)]
    assert split([text[a:b] for a, b in itertools.pairwise(bounds)]) == split([text])


def test_which_models_reason() -> None:
    assert markers(None, template_says=True) == Thoughts("<think>", "</think>", opened=False)
    assert markers(None, template_says=False) is None
    assert markers(False, template_says=True) is None
    assert markers(("<r>", "</r>"), template_says=False) == Thoughts("<r>", "</r>")
    r1_prompt = "<\uff5cUser\uff5c>Hi<\uff5cAssistant\uff5c><think>\n"
    assert markers(True, template_says=True, prompt_end=r1_prompt) == Thoughts(opened=True)
    qwen3_no_thinking = "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    assert markers(True, template_says=True, prompt_end=qwen3_no_thinking) == Thoughts()
