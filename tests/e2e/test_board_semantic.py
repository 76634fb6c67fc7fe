"""The semantic router through the proxy: routing by example prompts with the local
MiniLM embedding model, streaming the chosen specialist, and its accuracy on the 240
held-out prompts of bench/routing_set.json (bench/board.py reports the same figure
with the confusion matrix and the decision time)."""

from __future__ import annotations

import statistics

import openai
import pytest

from testbed.boards import eval_prompts, streamed

pytestmark = pytest.mark.e2e
# Measured 78.3 % (bench/routing_lab.py, bench/README.md): a floor under it, not a goal.
MIN_ACCURACY = 0.75


def test_semantic_router_streams_the_closest_specialist(bc: openai.OpenAI) -> None:
    ask = [{"role": "user", "content": "What is 12 times 12?"}]
    chunks, report = streamed(bc, "board/semantic", messages=ask, max_tokens=24)
    assert report["answered"] == ["math"]
    assert report["route"]["reason"].startswith("semantic: math ")
    assert [c["phase"] for c in report["calls"]] == ["final"]
    assert report["calls"][0]["model"] == "smol-math"
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) > 3
    assert chunks[-1].usage.completion_tokens == report["usage"]["completion_tokens"] > 0


def test_semantic_router_accuracy_on_the_labelled_set(bc: openai.OpenAI) -> None:
    hits, decision_ms, misses = 0, [], []
    for prompt, label in eval_prompts():
        raw = bc.chat.completions.with_raw_response.create(
            model="board/semantic",
            messages=[{"role": "user", "content": prompt}],
            max_tokens=1,
        )
        chosen = raw.headers["x-board-specialists"]
        decision_ms.append(float(raw.headers["x-board-route-ms"]))
        if chosen == label:
            hits += 1
        else:
            misses.append((prompt, label, chosen))
    accuracy = hits / len(eval_prompts())
    print(
        f"semantic accuracy {accuracy:.3f}, median decision {statistics.median(decision_ms):.1f} ms"
    )
    assert accuracy >= MIN_ACCURACY, misses


@pytest.mark.parametrize("prompt", ["", "thanks", "  hello!  "])
def test_empty_and_one_word_prompts_go_to_the_fallback(bc: openai.OpenAI, prompt: str) -> None:
    raw = bc.chat.completions.with_raw_response.create(
        model="board/semantic", messages=[{"role": "user", "content": prompt}], max_tokens=1
    )
    assert raw.headers["x-board-specialists"] == "general"
