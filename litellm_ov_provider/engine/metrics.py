"""Prometheus metrics for the node (names `ov_*`, units in the names).

Per-request figures (time to first token, inter-token latency, tokens) are observed
as a request's events pass (`observed`); the pool's state (loaded, load time, in
flight, waiting, worker memory, KV cache, restarts) is read when /metrics is scraped
(`PoolCollector`), so nothing is kept twice. The proxy serves them in LiteLLM's own
/metrics (its `prometheus` callback, behind the master key); ov-llm-server at its
/metrics, behind its key.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Protocol

import psutil
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from . import protocol as p

if TYPE_CHECKING:
    from ..registry.catalog import Catalog
    from .pool import ModelPool


class Served(Protocol):
    """What the collector reads of a node (core.runtime.Runtime): its pool and catalog."""

    @property
    def pool(self) -> ModelPool: ...

    @property
    def catalog(self) -> Catalog: ...


LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ITL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28)

TTFT = Histogram(
    "ov_time_to_first_token_seconds",
    "From the engine accepting a request to its first generated text",
    ["model"],
    buckets=LATENCY_BUCKETS,
)
INTER_TOKEN = Histogram(
    "ov_inter_token_latency_seconds",
    "Time per generated token after the first",
    ["model"],
    buckets=ITL_BUCKETS,
)
GENERATED = Counter("ov_generated_tokens", "Tokens generated", ["model"])
PROMPT = Counter("ov_prompt_tokens", "Prompt tokens read", ["model"])
REQUESTS = Counter("ov_requests", "Requests finished, by finish reason", ["model", "finish"])
GAUGES = {
    "loaded": ("ov_model_loaded", "1 when the model is loaded"),
    "load": ("ov_model_load_seconds", "Time its pipeline took to load"),
    "flight": ("ov_requests_in_flight", "Requests the engine runs now"),
    "waiting": ("ov_requests_waiting", "Requests queued for the engine"),
    "rss": ("ov_worker_rss_bytes", "Resident memory of the model's worker"),
    "kv": ("ov_kv_cache_usage_ratio", "KV-cache blocks in use (0-1)"),
    "kvb": ("ov_kv_cache_bytes", "KV-cache size allocated"),
}


def observed(
    model: str, prompt_tokens: int, events: AsyncIterator[p.Delta | p.Finished]
) -> AsyncIterator[p.Delta | p.Finished]:
    """`events` unchanged, with their timings and token counts recorded. The clock
    starts and the prompt tokens count here, when the engine has accepted the request,
    not when a reader first pulls (a generator's body waits for that)."""
    PROMPT.labels(model).inc(prompt_tokens)
    return _timed(model, time.monotonic(), events)


async def _timed(
    model: str, started: float, events: AsyncIterator[p.Delta | p.Finished]
) -> AsyncIterator[p.Delta | p.Finished]:
    # Per token: the labelled children once per request, not a lookup per token.
    ttft, inter, generated = TTFT.labels(model), INTER_TOKEN.labels(model), GENERATED.labels(model)
    last = started
    first = True
    try:
        async for event in events:
            now = time.monotonic()
            if isinstance(event, p.Delta) and event.tokens:
                if first:
                    ttft.observe(now - last)
                    first = False
                else:
                    per_token = (now - last) / event.tokens
                    for _ in range(event.tokens):
                        inter.observe(per_token)
                generated.inc(event.tokens)
                last = now
            elif isinstance(event, p.Finished):
                REQUESTS.labels(model, event.reason).inc()
            yield event
    finally:
        close = getattr(events, "aclose", None)  # an abandoned stream cancels in the engine
        if close is not None:
            await close()


def worker_rss(pid: int | None) -> float | None:
    """A worker process's resident memory in bytes (None when it is gone)."""
    if pid is None:
        return None
    try:
        return float(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return None


class PoolCollector(Collector):
    """The pool's state, read at scrape time."""

    def __init__(self, runtime: Callable[[], Served]) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        runtime = self._runtime()
        pool = runtime.pool
        loaded = pool.loaded()
        g = {
            key: GaugeMetricFamily(name, doc, labels=["model"])
            for key, (name, doc) in GAUGES.items()
        }
        restarts = CounterMetricFamily(
            "ov_worker_restarts", "Workers replaced after dying or stalling", labels=["model"]
        )
        for name in sorted(runtime.catalog.registry.models):
            m = loaded.get(name)
            g["loaded"].add_metric([name], 1.0 if m is not None and m.usable else 0.0)
            restarts.add_metric([name], float(pool.restarts(name)))
            if m is None:
                continue
            g["load"].add_metric([name], m.info.load_seconds)
            g["flight"].add_metric([name], float(m.admission.running))
            g["waiting"].add_metric([name], float(m.admission.waiting))
            if (rss := worker_rss(m.engine.pid)) is not None:
                g["rss"].add_metric([name], rss)
            if "kv_cache_usage" in m.engine.stats:
                g["kv"].add_metric([name], m.engine.stats["kv_cache_usage"])
                g["kvb"].add_metric([name], m.engine.stats.get("kv_cache_bytes", 0.0))
        yield from g.values()
        yield restarts


_registered = False


def register(runtime: Callable[[], Served]) -> None:
    """Add the pool's collector to prometheus_client's registry, once per process."""
    global _registered
    if not _registered:
        REGISTRY.register(PoolCollector(runtime))
        _registered = True
