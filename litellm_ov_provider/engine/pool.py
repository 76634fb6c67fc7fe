"""Loaded models: lazy, loaded once under concurrent first requests, leased while in use.

A model is only ever stopped when no request holds a lease on it. A request holds
one of the model's engine places (`loaded.admission.slot()`, admission.py) only
while the engine works on it: checks and grammar compiles come before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from ..errors import ModelUnavailable
from ..registry.device import model_facts
from ..registry.entries import ResolvedModel
from ..settings import Settings
from ..tuning.choice import NO_HINTS, engine_hints
from .admission import Admission
from .client import EngineClient
from .grammar_gate import GrammarGate
from .interface import Engine, EngineFactory
from .protocol import WorkerInfo, WorkerSpec
from .template_caps import TemplateCaps

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    model: ResolvedModel
    engine: Engine
    info: WorkerInfo
    caps: TemplateCaps
    admission: Admission
    grammar: GrammarGate | None = None  # chat models: checks schemas before the batch
    in_flight: int = 0
    last_used: float = field(default_factory=time.time)
    # Set by a request's or a load's keep_alive, as Ollama: seconds to stay loaded once
    # idle; 0 unloads when idle, negative never; None follows OV_IDLE_TTL_SECONDS.
    keep_alive: float | None = None
    retiring: bool = False
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()

    @property
    def usable(self) -> bool:
        return self.engine.alive and not self.retiring


def spec_for(model: ResolvedModel, settings: Settings) -> WorkerSpec:
    entry = model.entry
    device, context = model_facts(model, settings)
    tuned = engine_hints(device) if entry.mode == "chat" else NO_HINTS
    why = [tuned.why] if tuned.why else []
    if entry.engine:
        why.append(f"the registry sets {', '.join(entry.engine)}")
    lookup = entry.lookup if entry.mode == "chat" else None
    if lookup:
        why.append(f"prompt lookup: {lookup[0]} candidates, n-grams up to {lookup[1]}")
    return WorkerSpec(
        name=model.name,
        path=str(model.path),
        device=device,
        kv_cache_gb=settings.kv_cache_gb,
        inference_threads=settings.inference_threads,
        context_length=context,
        generation_defaults=dict(entry.generation_defaults),
        kind=entry.mode if entry.mode == "embedding" else "chat",
        embedding=dict(entry.embedding),
        properties={**tuned.properties, **entry.engine},
        coalesce_seconds=settings.stream_coalesce_ms / 1000,
        tuning="; ".join(why),
        prompt_lookup=lookup,
    )


class ModelPool:
    """`engine_factory` starts a model's engine (a worker process by default)."""

    def __init__(self, settings: Settings, engine_factory: EngineFactory = EngineClient) -> None:
        self._settings = settings
        self._start = engine_factory
        self._listeners: list[Callable[[], None]] = []
        self._loaded: dict[str, LoadedModel] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._retirees: set[asyncio.Task[None]] = set()
        self._restarts: dict[str, int] = {}

    def add_listener(self, callback: Callable[[], None]) -> None:
        """`callback()` runs (on the event loop) after every load and unload."""
        self._listeners.append(callback)

    def restarts(self, name: str) -> int:
        """How often `name`'s worker died or was killed for stalling and was replaced."""
        return self._restarts.get(name, 0)

    def loaded(self) -> dict[str, LoadedModel]:
        return dict(self._loaded)

    def is_loaded(self, name: str) -> bool:
        current = self._loaded.get(name)
        return current is not None and current.usable

    @asynccontextmanager
    async def lease(
        self, model: ResolvedModel, keep_alive: float | None = None
    ) -> AsyncIterator[LoadedModel]:
        """The model, loaded, held for the block. As Ollama: once the block has run
        without an error, `keep_alive` (None: OV_IDLE_TTL_SECONDS) is how long the model
        stays loaded when idle; each request sets it anew."""
        loaded = await self._ensure(model)
        loaded.in_flight += 1
        loaded.idle.clear()
        served = False
        try:
            yield loaded
            served = True
        finally:
            loaded.in_flight -= 1
            loaded.last_used = time.time()
            if served:
                loaded.keep_alive = keep_alive
            if loaded.in_flight == 0:
                loaded.idle.set()
                if (
                    loaded.keep_alive == 0
                    and not self.is_pinned(model.name)
                    and self._loaded.get(model.name) is loaded
                ):
                    log.info("unloading model %r (keep_alive 0)", model.name)
                    self.retire(model.name)

    def is_pinned(self, name: str) -> bool:
        return name in self._settings.pinned

    def ttl(self, loaded: LoadedModel) -> float | None:
        """Seconds `loaded` stays loaded once idle; None: until the cap needs room (a
        pinned model: for good)."""
        if self.is_pinned(loaded.model.name):
            return None
        if loaded.keep_alive is not None:  # the last request's keep_alive: 0 is "now"
            return None if loaded.keep_alive < 0 else loaded.keep_alive
        ttl = self._settings.idle_ttl_seconds
        return ttl if ttl > 0 else None  # OV_IDLE_TTL_SECONDS 0 or negative: never

    def unloads_at(self, loaded: LoadedModel) -> float | None:
        """When an idle `loaded` is unloaded (epoch seconds), None for never; a busy one
        is not unloaded before its requests finish."""
        ttl = self.ttl(loaded)
        return None if ttl is None else loaded.last_used + ttl

    async def load(self, model: ResolvedModel, keep_alive: float | None = None) -> LoadedModel:
        """Load (warm) `model` now, as a request would."""
        async with self.lease(model, keep_alive) as loaded:
            pass
        return loaded

    def _serving(self, model: ResolvedModel) -> LoadedModel | None:
        """The running engine for exactly this registry entry, if there is one."""
        current = self._loaded.get(model.name)
        return (
            current if current is not None and current.usable and current.model == model else None
        )

    async def _ensure(self, model: ResolvedModel) -> LoadedModel:
        if (ready := self._serving(model)) is not None:
            return ready
        lock = self._locks.setdefault(model.name, asyncio.Lock())
        async with lock:
            if (ready := self._serving(model)) is not None:
                return ready
            self._count_restart(model.name)
            self.retire(model.name)  # a stale or dead engine for this name, if any
            self._make_room()
            loaded = await asyncio.to_thread(self._load, model)
            self._loaded[model.name] = loaded
            self._changed()
            return loaded

    def _load(self, model: ResolvedModel) -> LoadedModel:
        if not model.path.exists():
            log.error("model %r: %s does not exist", model.name, model.path)
            raise ModelUnavailable(f"model {model.name!r} cannot be served: its files are missing")
        spec = spec_for(model, self._settings)
        s = self._settings
        log.info("loading model %r on %s from %s", model.name, spec.device, model.path)
        if spec.tuning:
            log.info("model %r: %s", model.name, spec.tuning)
        started = time.monotonic()
        engine = self._start(spec, s.log_level, s.worker_stall_seconds)
        info = engine.wait_ready(s.load_timeout_seconds)
        log.info(
            "loaded model %r on %s in %.2f s (pipeline %.2f s)",
            model.name,
            info.device,
            time.monotonic() - started,
            info.load_seconds,
        )
        grammar = None
        if spec.kind == "chat":
            checker = replace(spec, kind="grammar")
            grammar = GrammarGate(
                lambda: self._start(checker, s.log_level, 0.0), s.grammar_timeout_seconds
            )
        return LoadedModel(
            model,
            engine,
            info,
            TemplateCaps.from_template(info.chat_template),
            Admission(model.name, s.max_batch, s.max_queue),
            grammar,
        )

    def _count_restart(self, name: str) -> None:
        current = self._loaded.get(name)
        if current is not None and not current.engine.alive and not current.retiring:
            self._restarts[name] = self._restarts.get(name, 0) + 1
            why = "stalled" if current.engine.stalled else "died"
            log.warning("model %r: its worker %s; starting a new one", name, why)

    def _make_room(self) -> None:
        """Keep under max_loaded_models by retiring the least recently used idle model.
        A busy model is never taken away; if all are busy the cap is exceeded for now."""
        cap = self._settings.max_loaded_models
        if not cap or len(self._loaded) < cap:
            return
        idle = [
            m
            for m in self._loaded.values()
            if m.in_flight == 0 and not self.is_pinned(m.model.name)
        ]
        if not idle:
            log.warning(
                "max_loaded_models=%d reached and every model is busy or pinned; loading anyway",
                cap,
            )
            return
        victim = min(idle, key=lambda m: m.last_used)
        log.info("unloading model %r (least recently used; cap %d)", victim.model.name, cap)
        self.retire(victim.model.name)

    def reap_idle(self, now: float | None = None) -> list[str]:
        """Retire idle models past their time to stay loaded; returns their names."""
        now = time.time() if now is None else now
        expired = [
            name
            for name, m in self._loaded.items()
            if m.in_flight == 0 and (at := self.unloads_at(m)) is not None and now >= at
        ]
        for name in expired:
            log.info("unloading model %r (idle past its keep-alive)", name)
            self.retire(name)
        return expired

    async def run_reaper(self) -> None:
        """Background task: unload idle models when their time comes (checked twice a
        second: a keep_alive may be short)."""
        while True:
            await asyncio.sleep(0.5)
            self.reap_idle()

    def retire(self, name: str) -> None:
        """Stop serving `name` with its current engine; stop the engine once idle."""
        loaded = self._loaded.pop(name, None)
        if loaded is None:
            return
        loaded.retiring = True
        task = asyncio.get_running_loop().create_task(self._close_when_idle(loaded))
        self._retirees.add(task)
        task.add_done_callback(self._retirees.discard)
        self._changed()  # model_info.loaded says so now, not once the worker has gone

    async def retired(self) -> None:
        """Wait until every engine retired so far has stopped (each once its requests
        finished)."""
        while self._retirees:
            await asyncio.gather(*self._retirees, return_exceptions=True)

    async def _close_when_idle(self, loaded: LoadedModel) -> None:
        await loaded.idle.wait()  # never stop an engine with work in flight
        try:
            if loaded.grammar is not None:
                await loaded.grammar.close()
        finally:
            await asyncio.to_thread(loaded.engine.close)
        log.info("unloaded model %r", loaded.model.name)

    def _changed(self) -> None:
        for callback in self._listeners:
            callback()

    def close_all(self) -> None:
        for loaded in self._loaded.values():
            loaded.engine.kill()
            if loaded.grammar is not None:
                loaded.grammar.kill()
        self._loaded.clear()
