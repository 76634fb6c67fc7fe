"""#25 on the shared front door: busy streams coalesce (never the first token, never a
lone stream), and the engine hints chosen for this CPU are said in the log and ps."""

from __future__ import annotations

import asyncio
from typing import Any

import openai

from litellm_ov_provider.tuning.cpu import detect
from testbed.models import DEFAULT
from testbed.proxy import Proxy

from .test_lifecycle import ov_llm

STORY = [{"role": "user", "content": "Tell me a long story about a dragon and a knight."}]


async def tokens_per_chunk(aclient: openai.AsyncOpenAI, max_tokens: int) -> list[int]:
    """How many tokens each content chunk of one stream carried (its logprobs)."""
    stream = await aclient.chat.completions.create(
        model=DEFAULT,
        messages=STORY,
        max_tokens=max_tokens,
        stream=True,
        logprobs=True,
        extra_body={"ignore_eos": True},
    )
    sizes = []
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            lp = chunk.choices[0].logprobs
            sizes.append(len(lp.content or []) if lp else 0)
    return sizes


def test_busy_streams_are_coalesced_a_lone_one_is_not(aclient: openai.AsyncOpenAI) -> None:
    async def go() -> tuple[list[int], list[list[int]]]:
        alone = await tokens_per_chunk(aclient, 48)
        busy = await asyncio.gather(*(tokens_per_chunk(aclient, 48) for _ in range(8)))
        return alone, list(busy)

    alone, busy = asyncio.run(go())
    assert sum(alone) == 48 and sum(busy[0]) == 48  # every token arrives, once
    # Alone: one chunk per token (a late event loop may merge a rare pair).
    assert sum(1 for n in alone if n > 1) <= len(alone) // 5, alone
    # Busy: fewer chunks than tokens; the first two tokens of every stream are never held.
    assert sum(len(s) for s in busy) < 8 * 48, busy
    assert all(s[0] == 1 and s[1] == 1 for s in busy), [s[:3] for s in busy]


def test_the_engine_hints_for_this_cpu_are_said(client: openai.OpenAI, proxy: Proxy) -> None:
    client.chat.completions.create(model=DEFAULT, messages=STORY, max_tokens=1)
    isa = detect().isa
    assert f"model '{DEFAULT}': {isa} CPU" in proxy.log_text()
    ps = ov_llm(proxy, "ps")
    assert f"{DEFAULT}: {isa} CPU" in ps.stdout, ps.stdout


LOOKUP = "smol-lookup"
COPY = (
    "Repeat the following text exactly, word for word:\n\nThe Willow Creek library opened "
    "in 1952 in a converted grain warehouse near the river. For decades it served farmers, "
    "students and travelling merchants who stopped in town."
)


def test_prompt_lookup_from_the_registry_streams_several_tokens_a_step(
    proxy: Proxy, aclient: openai.AsyncOpenAI, client: openai.OpenAI
) -> None:
    def add(d: dict[str, Any]) -> None:
        d["models"][LOOKUP] = {**d["models"][DEFAULT], "prompt_lookup": True}

    proxy.edit_registry(add)
    try:
        proxy.wait_for(lambda: LOOKUP in proxy.model_ids(), 15, "the prompt lookup route")

        async def go() -> list[int]:
            stream = await aclient.chat.completions.create(
                model=LOOKUP,
                messages=[{"role": "user", "content": COPY}],
                max_tokens=48,
                temperature=0,
                stream=True,
                logprobs=True,
            )
            sizes = []
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].logprobs:
                    sizes.append(len(chunk.choices[0].logprobs.content or []))
            return sizes

        sizes = asyncio.run(go())
        assert max(sizes) > 1, sizes  # candidates from the prompt were accepted
        assert "prompt lookup: 5 candidates" in proxy.log_text()
        # Every other path still works on such a pipeline: n, structured output.
        r = client.chat.completions.create(
            model=LOOKUP,
            messages=[{"role": "user", "content": "Give a JSON object with a name."}],
            max_tokens=24,
            n=2,
            response_format={"type": "json_object"},
        )
        assert len(r.choices) == 2 and all(c.message.content for c in r.choices)
    finally:
        proxy.edit_registry(lambda d: d["models"].pop(LOOKUP, None))
        with proxy.http() as http:
            http.post("/ov/unload", json={"model": LOOKUP})
