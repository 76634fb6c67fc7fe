"""A request that makes the engine's step raise fails alone, inside the real worker.

The front door refuses such grammars before they reach the batch (test_faults.py);
this goes around that gate, straight to a worker process, to show the second line:
the worker reopens its pipeline and the request that was already streaming finishes
every token, on the same process.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from litellm_ov_provider.engine import protocol as p
from litellm_ov_provider.engine.client import EngineClient
from litellm_ov_provider.errors import InvalidRequest

MESSAGES = [{"role": "user", "content": "Tell me a story about a harbour."}]
LOOKBEHIND = {"type": "object", "properties": {"a": {"type": "string", "pattern": "(?<=a)b"}}}


async def test_a_step_error_fails_its_request_and_the_others_resume(model_file: str) -> None:
    spec = p.WorkerSpec(name="smol", path=model_file, device="CPU", context_length=8192)
    engine = EngineClient(spec, "INFO", stall_seconds=60)
    await asyncio.to_thread(engine.wait_ready, 300)
    pid = engine.pid
    try:
        _, story = await engine.submit(MESSAGES, None, p.Sampling(max_tokens=80, ignore_eos=True))
        early = [await anext(story) for _ in range(3)]
        bad = p.Sampling(
            max_tokens=8, constraint=p.Constraint("json_schema", json.dumps(LOOKBEHIND))
        )
        _, broken = await engine.submit(MESSAGES, None, bad)
        with pytest.raises(InvalidRequest, match="Lookbehind"):
            async for _ in broken:
                pass
        rest = [event async for event in story]
        finished = rest[-1]
        assert isinstance(finished, p.Finished) and finished.completion_tokens == 80
        text = "".join(e.text for e in [*early, *rest] if isinstance(e, p.Delta))
        assert len(text) > 100
        _, again = await engine.submit(MESSAGES, None, p.Sampling(max_tokens=5))
        assert [e async for e in again][-1].completion_tokens == 5  # type: ignore[union-attr]
        assert engine.alive and engine.pid == pid
    finally:
        await asyncio.to_thread(engine.close)
