"""Pure parts of #25: stream coalescing, the CPU class and the format/hints choice."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from litellm_ov_provider.engine import protocol as p
from litellm_ov_provider.engine.coalesce import LAG_SECONDS, Stamped, busy, gather, merge
from litellm_ov_provider.registry.entries import ModelEntry
from litellm_ov_provider.tuning.choice import TABLE, choose, engine_hints, format_rank
from litellm_ov_provider.tuning.cpu import BASELINE, CpuInfo, cpu_flags, isa_class


def _delta(text: str) -> p.Delta:
    return p.Delta(1, text, 1, (p.TokenLogprob(text, -0.5),))


def test_merge_keeps_text_tokens_and_logprobs_in_order() -> None:
    got = merge(_delta("a"), _delta("b"))
    assert (got.text, got.tokens, [lp.token for lp in got.logprobs]) == ("ab", 2, ["a", "b"])


def test_busy_when_several_streams_or_the_loop_is_late() -> None:
    now = time.monotonic()
    assert not busy(now, now, 1)
    assert busy(now, now, 2)
    assert busy(now - LAG_SECONDS * 2, now, 1)


def _queue(*events: p.Event) -> asyncio.Queue[Stamped]:
    q: asyncio.Queue[Stamped] = asyncio.Queue()
    for e in events:
        q.put_nowait((time.monotonic(), e))
    return q


def test_gather_takes_what_is_queued_and_stops_at_a_finish() -> None:
    async def go() -> tuple[p.Delta, p.Event | None, int]:
        fin = p.Finished(1, "stop", 3)
        q = _queue(_delta("b"), _delta("c"), fin, _delta("late"))
        held, after = await gather(q, _delta("a"), time.monotonic(), 0.05)
        return held, after, q.qsize()

    held, after, left = asyncio.run(go())
    assert held.text == "abc" and held.tokens == 3
    assert isinstance(after, p.Finished) and left == 1  # nothing past the finish is taken


def test_gather_never_holds_text_past_the_bound() -> None:
    async def go() -> tuple[str, float, int]:
        q = _queue()
        arrived = time.monotonic()

        async def trickle() -> None:
            for piece in "bcdefgh":
                await asyncio.sleep(0.01)
                q.put_nowait((time.monotonic(), _delta(piece)))

        task = asyncio.create_task(trickle())
        held, _ = await gather(q, _delta("a"), arrived, 0.035)
        waited = time.monotonic() - arrived
        await task
        return held.text, waited, q.qsize()

    text, waited, left = asyncio.run(go())
    assert text.startswith("ab") and len(text) < 8  # gathered some, not all
    assert left == 8 - len(text)  # the rest is still queued, in order
    assert waited < 0.035 + 0.03  # the bound, plus one scheduling slice


def test_cpu_class_from_flags_most_capable_first() -> None:
    flags = cpu_flags("processor : 0\nflags\t\t: fpu sse avx2 avx512f avx512_vnni avx512_bf16\n")
    assert isa_class(flags, ()) == "avx512-bf16"
    assert isa_class(frozenset({"avx2", "fma"}), ()) == "avx2"
    assert isa_class(frozenset({"avx2", "avx_vnni"}), ()) == "avx2-vnni"
    assert isa_class(frozenset({"sse4_2"}), ()) == BASELINE
    assert isa_class(frozenset(), ("BF16", "FP32")) == "avx512-bf16"  # no /proc/cpuinfo


@pytest.mark.parametrize("isa", sorted(TABLE))
def test_choice_is_the_first_available_of_the_measured_order(isa: str) -> None:
    cpu = CpuInfo("x", 2, isa, ())
    fastest = TABLE[isa].formats[0]
    assert choose(cpu, ["q4", "int8", "fp16"]).weight_format == fastest
    only = choose(cpu, ["q4_1"])
    assert only.weight_format == "q4_1" and isa in only.why and TABLE[isa].measured in only.why


def test_an_unmeasured_cpu_class_says_so() -> None:
    got = choose(CpuInfo("x", 2, "amx", ()), ["q4", "int8"])
    assert got.properties == {} and "not measured" in got.why
    assert format_rank("avx2", "int4") == format_rank("avx2", "q4_1")


def test_engine_hints_only_for_the_cpu() -> None:
    assert engine_hints("GPU").properties == {} and engine_hints("GPU").why == ""
    assert engine_hints("CPU").why


def test_registry_engine_properties_are_validated() -> None:
    ok = ModelEntry(path="m", engine={"KV_CACHE_PRECISION": "f32"})
    assert ok.engine == {"KV_CACHE_PRECISION": "f32"}
    with pytest.raises(ValueError):
        ModelEntry(path="m", engine={"kv cache; rm -rf": "x"})
    with pytest.raises(ValueError):
        ModelEntry(path="m", engine={"KV_CACHE_PRECISION": ["f32"]})  # type: ignore[dict-item]


def test_prompt_lookup_is_off_by_default_and_validated() -> None:
    from litellm_ov_provider.registry.entries import ModelEntry

    assert ModelEntry(path="m").lookup is None
    assert ModelEntry(path="m", prompt_lookup=True).lookup == (5, 3)
    on = ModelEntry(path="m", prompt_lookup={"num_assistant_tokens": 4, "max_ngram_size": 2})
    assert on.lookup == (4, 2)
    for bad in ({"num_assistant_tokens": 0}, {"max_ngram": 3}, "yes"):
        with pytest.raises(ValueError):
            ModelEntry(path="m", prompt_lookup=bad)  # type: ignore[arg-type]


def test_the_worker_spec_carries_hints_lookup_and_the_reasons(tmp_path: object) -> None:
    from pathlib import Path

    from litellm_ov_provider.engine.pool import spec_for
    from litellm_ov_provider.registry.entries import ResolvedModel
    from litellm_ov_provider.settings import Settings

    entry = ModelEntry(path="m", prompt_lookup=True, engine={"KV_CACHE_PRECISION": "u8"})
    settings = Settings(device="CPU", stream_coalesce_ms=40)
    spec = spec_for(ResolvedModel("m", entry, Path("m")), settings)
    assert spec.prompt_lookup == (5, 3) and spec.coalesce_seconds == pytest.approx(0.04)
    assert spec.properties["KV_CACHE_PRECISION"] == "u8"  # the registry wins
    assert "the registry sets KV_CACHE_PRECISION" in spec.tuning and "prompt lookup" in spec.tuning
    embed = ModelEntry(path="e", task="feature-extraction", prompt_lookup=True)
    spec = spec_for(ResolvedModel("e", embed, Path("e")), settings)
    assert spec.prompt_lookup is None and spec.properties == {} and spec.tuning == ""


def test_the_first_content_chunk_is_not_held_and_a_lone_one_keeps_its_true_usage() -> None:
    from litellm_ov_provider.core.types import Chunk, Usage
    from litellm_ov_provider.proxy import true_usage
    from litellm_ov_provider.proxy.stream_shape import StreamReshaper
    from litellm_ov_provider.proxy.wire import StreamShape, litellm_chunks

    async def source(texts: list[str]) -> Any:
        for text in texts:
            yield Chunk(text=text)
        yield Chunk(finish_reason="length")
        yield Chunk(usage=Usage(33, len(texts)))

    async def collect(texts: list[str], rid: str) -> list[Any]:
        shape = StreamShape("m", rid, 1, "fp")
        seen = []
        stream = litellm_chunks(source(texts), shape)
        first = await stream.__anext__()  # sent before the second chunk was even made
        seen.append(first)
        async for chunk in stream:
            seen.append(chunk)
        return seen

    many = asyncio.run(collect(["a", "b", "c"], "chatcmpl-many"))
    assert [c.choices[0].delta.content for c in many] == ["a", "b", "c"]
    assert many[-1].usage.prompt_tokens == 33  # the last content chunk carries it
    assert true_usage.take("chatcmpl-many") is None
    lone = asyncio.run(collect(["yes"], "chatcmpl-lone"))
    assert lone[0].choices[0].delta.content == "yes" and not lone[-1].choices[0].delta.content
    litellms = {"id": "chatcmpl-lone", "choices": [], "usage": {"prompt_tokens": 10}}
    (shaped,) = StreamReshaper().event(litellms)  # the guard puts the true usage back
    assert shaped["usage"] == {"prompt_tokens": 33, "completion_tokens": 1, "total_tokens": 34}
    assert true_usage.take("chatcmpl-lone") is None  # once
