"""ov_* metrics move with real request flows over the fake engine (pure parts; the
e2e suite scrapes a real proxy and node)."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from litellm_ov_provider.core import chat
from litellm_ov_provider.engine.metrics import GENERATED, REQUESTS, TTFT, PoolCollector
from router_plugins.board.metrics import DROPPED, ESCALATIONS, ROUTE_SECONDS, record
from router_plugins.board.report import CallRecord, Report
from tests.unit.fakes import Script, fake_runtime

HI = [{"role": "user", "content": "hi"}]


def _value(metric: object, suffix: str, **labels: str) -> float:
    for family in metric.collect():  # type: ignore[attr-defined]
        for sample in family.samples:
            if sample.name.endswith(suffix) and sample.labels.items() >= labels.items():
                return float(sample.value)
    return 0.0


async def test_a_completion_moves_tokens_ttft_and_finish_counts(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script(reply="one two three"))
    tokens = _value(GENERATED, "_total", model="a")
    ttft = _value(TTFT, "_count", model="a")
    finished = _value(REQUESTS, "_total", model="a", finish="stop")
    await chat.complete(runtime, "a", HI, {})
    assert _value(GENERATED, "_total", model="a") == tokens + 3
    assert _value(TTFT, "_count", model="a") == ttft + 1
    assert _value(REQUESTS, "_total", model="a", finish="stop") == finished + 1


async def test_the_pool_collector_reads_loaded_models_at_scrape_time(tmp_path: Path) -> None:
    runtime = fake_runtime(tmp_path, Script())
    registry = CollectorRegistry()
    registry.register(PoolCollector(lambda: runtime))
    before = generate_latest(registry).decode()
    assert 'ov_model_loaded{model="a"} 0.0' in before
    await chat.complete(runtime, "a", HI, {})
    after = generate_latest(registry).decode()
    assert 'ov_model_loaded{model="a"} 1.0' in after
    assert 'ov_requests_in_flight{model="a"} 0.0' in after
    assert 'ov_worker_restarts_total{model="a"} 0.0' in after


def test_a_board_request_records_route_time_escalation_and_drops() -> None:
    report = Report("board/x", "cascade", route_reason="picked", route_ms=3.0)
    report.notes["escalated"] = True
    report.calls.append(CallRecord("s", "s", "m", "panel", ok=False, seconds=0.1))
    route = _value(ROUTE_SECONDS, "_count", board="board/x")
    record(report, "ok")
    assert _value(ROUTE_SECONDS, "_count", board="board/x") == route + 1
    assert _value(ESCALATIONS, "_total", board="board/x") >= 1
    assert _value(DROPPED, "_total", board="board/x") >= 1
