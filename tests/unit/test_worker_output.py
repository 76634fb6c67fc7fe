"""A request's generated tokens as they leave the worker: stop strings cut at the
character, per-token log-probabilities that join to exactly the text."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from litellm_ov_provider.engine.worker.output import RequestOutput, first_match, partial_tail

VOCAB = ["The", " cap", "ital", " of", " France", " is", " Par", "is", ".", "ss", "i", "é"]


def decode(ids: Sequence[int]) -> str:
    return "".join(VOCAB[i] for i in ids)


def run(
    ids: list[int], stops: tuple[str, ...] = (), logprobs: bool = False
) -> tuple[str, list[str], int]:
    """Feed ids one step at a time; (text, entry texts, token count)."""
    out = RequestOutput(decode, stops, logprobs)
    texts, entries = [], []
    for token in ids:
        released = out.push([token], [-0.5])
        texts.append(released.text)
        entries += [e.token for e in released.entries]
        if out.stopped:
            break
    if not out.stopped:
        end = out.finish()
        texts.append(end.text)
        entries += [e.token for e in end.entries]
    return "".join(texts), entries, out.count


ANSWER = [0, 1, 2, 3, 4, 5, 6, 7, 8]  # "The capital of France is Paris."


@pytest.mark.parametrize("logprobs", [False, True])
@pytest.mark.parametrize(
    ("stop", "text", "count"),
    [
        ("apit", "The c", 2),  # ends inside a token: cut at the character
        ("Pari", "The capital of France is ", 7),  # begins inside " Par"
        ("is P", "The capital of France ", 6),
        ("is ", "The capital of France ", 6),  # ends in a space
        (" cap", "The", 1),  # at a token boundary: " cap" is not part of the answer
        ("nowhere", "The capital of France is Paris.", 9),
    ],
)
def test_stop_strings_cut_at_the_character(
    stop: str, text: str, count: int, logprobs: bool
) -> None:
    got, entries, tokens = run(ANSWER, (stop,), logprobs)
    assert got == text and stop not in got
    assert tokens == count
    if logprobs:
        assert "".join(entries) == got and len(entries) == tokens


def test_the_earliest_of_several_stops_wins() -> None:
    assert run(ANSWER, ("Paris", "France", "zzz"))[0] == "The capital of "


def test_a_stream_holds_back_only_what_a_partial_match_needs() -> None:
    out = RequestOutput(decode, ("France is X",))
    assert out.push([0, 1, 2, 3]).text == "The capital of"
    assert out.push([4]).text == " "  # "France" could begin the stop string
    assert out.push([5]).text == ""
    assert out.push([6]).text == "France is Par"  # no longer a match
    assert out.finish().text == ""


def test_characters_not_a_match_leave_at_once_without_logprobs() -> None:
    out = RequestOutput(decode, ("sx",))
    assert out.push([9]).text == "s"  # "ss": only the last "s" may begin "sx"
    assert out.push([10]).text == "si"


def test_with_logprobs_whole_tokens_wait_so_each_entry_leaves_with_its_text() -> None:
    out = RequestOutput(decode, ("sx",), logprobs=True)
    first = out.push([9], [-0.1])
    assert first.text == "" and first.entries == ()
    second = out.push([10], [-0.2])
    assert second.text == "ssi" and [e.token for e in second.entries] == ["ss", "i"]
    assert [e.logprob for e in second.entries] == [-0.1, -0.2]


def test_helpers() -> None:
    assert first_match("abcabc", ["ca", "bc"]) == 1
    assert first_match("abc", ["x"]) is None
    assert partial_tail("hello wor", ["world", "or"]) == 3
    assert partial_tail("hello", ["xyz"]) == 0


@given(
    st.lists(st.integers(0, len(VOCAB) - 1), max_size=30),
    st.text(alphabet="Tthe capiofFrnsP.é", min_size=1, max_size=5),
    st.booleans(),
)
def test_any_answer_and_stop(ids: list[int], stop: str, logprobs: bool) -> None:
    text, entries, count = run(ids, (stop,), logprobs)
    whole = decode(ids)
    cut = whole.find(stop)
    assert text == (whole if cut < 0 else whole[:cut])
    if logprobs:
        assert "".join(entries) == text and len(entries) == count
    assert count <= len(ids)
