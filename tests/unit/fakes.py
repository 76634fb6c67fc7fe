"""A fake engine under the pool, for unit tests of the node's request path.

It speaks the real engine protocol (engine/protocol.py) without a worker process: each
request gets the scripted reply, one whitespace-separated word per token, and the
engine can be made to fail a submit, die under a stream, or reject a grammar.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litellm_ov_provider.core.runtime import Runtime
from litellm_ov_provider.engine import protocol as p
from litellm_ov_provider.engine.pool import ModelPool
from litellm_ov_provider.errors import InvalidRequest, WorkerCrashed
from litellm_ov_provider.registry.catalog import Catalog
from litellm_ov_provider.settings import Settings

_pids = itertools.count(1000)


@dataclass
class Script:
    """How fake engines behave; shared by every engine a factory starts."""

    reply: str = "Paris is the capital of France ."
    fail_submit: str | None = None  # an InvalidRequest message for every submit
    crash_next: int = 0  # this many submits die as a crashed worker would
    started: list[FakeEngine] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    prompts: list[list[dict[str, Any]]] = field(default_factory=list)
    samplings: list[p.Sampling] = field(default_factory=list)
    contexts: list[dict[str, Any]] = field(default_factory=list)


class FakeEngine:
    def __init__(self, spec: p.WorkerSpec, script: Script) -> None:
        self.spec, self.script = spec, script
        self.stalled = False
        self.stats: dict[str, float] = {}
        self._alive = True
        self._rids = itertools.count(1)
        self.pid = next(_pids)
        script.started.append(self)

    @property
    def alive(self) -> bool:
        return self._alive

    def wait_ready(self, timeout: float) -> p.WorkerInfo:
        return p.WorkerInfo("", self.spec.context_length, self.spec.device, 0.0, {})

    def close(self, timeout: float = 10.0) -> None:
        self._alive = False

    def kill(self) -> None:
        self._alive = False

    async def submit(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        s: p.Sampling,
        context: dict[str, Any] | None = None,
        raw: str | None = None,
    ) -> tuple[p.Accepted, AsyncIterator[p.Delta | p.Finished]]:
        if not self._alive:
            raise WorkerCrashed("the worker is not running")
        if self.script.crash_next:
            self.script.crash_next -= 1
            self._alive = False
            raise WorkerCrashed("the worker exited")
        if self.script.fail_submit:
            raise InvalidRequest(self.script.fail_submit)
        self.script.prompts.append(messages)
        self.script.samplings.append(s)
        self.script.contexts.append(context or {})
        rid = next(self._rids)
        words = self.script.reply.split(" ")
        budget = s.max_tokens or len(words)
        truncated = budget < len(words)
        return p.Accepted(rid, 7, budget), self._stream(rid, words[:budget], truncated)

    async def _stream(
        self, rid: int, words: list[str], truncated: bool
    ) -> AsyncIterator[p.Delta | p.Finished]:
        sent = 0
        try:
            for i, word in enumerate(words):
                await asyncio.sleep(0)
                if not self._alive:
                    raise WorkerCrashed("the worker exited")
                yield p.Delta(rid, word if i == 0 else f" {word}", 1)
                sent += 1
            yield p.Finished(rid, "length" if truncated else "stop", sent)
        except GeneratorExit:
            self.script.cancelled.append(rid)
            raise

    async def embed(self, texts: list[str]) -> p.Embedded:
        return p.Embedded(0, [[float(len(t)), 1.0] for t in texts], sum(len(t) for t in texts))

    async def check_grammar(self, constraint: p.Constraint) -> p.GrammarOk:
        if "reject-me" in constraint.text:
            raise InvalidRequest("Regex parsing error: not supported")
        return p.GrammarOk(0, 0.001)


def factory(script: Script) -> Callable[[p.WorkerSpec, str, float], FakeEngine]:
    return lambda spec, log_level, stall: FakeEngine(spec, script)


def fake_runtime(tmp_path: Path, script: Script, **settings: Any) -> Runtime:
    """A runtime over a registry of two chat models (`a`, `b`) and one embedder, whose
    engines are fakes."""
    conv = tmp_path / "converted_models"
    for name in ("a", "b", "emb"):
        (conv / name).mkdir(parents=True, exist_ok=True)
        (conv / name / "openvino_model.xml").write_text("<net/>")
        (conv / name / "config.json").write_text('{"max_position_embeddings": 512}')
    models = {
        "a": {"path": "a"},
        "b": {"path": "b"},
        "emb": {"path": "emb", "task": "feature-extraction"},
        "gone": {"path": "missing"},
    }
    registry = conv / "registry.json"
    registry.write_text(json.dumps({"version": 1, "models": models}))
    s = Settings(registry_path=registry, device="CPU", **settings)
    runtime = Runtime(s, Catalog(s), ModelPool(s, factory(script)))
    runtime.catalog.refresh()
    return runtime
