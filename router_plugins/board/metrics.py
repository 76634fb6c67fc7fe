"""Prometheus metrics for boards (`ov_board_*`), served in the proxy's /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from .report import Report

REQUESTS = Counter(
    "ov_board_requests", "Board requests, by outcome", ["board", "strategy", "outcome"]
)
ROUTE_SECONDS = Histogram(
    "ov_board_route_decision_seconds",
    "Time the strategy took to pick specialists",
    ["board"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
)
ESCALATIONS = Counter("ov_board_escalations", "Answers escalated to another model", ["board"])
DROPPED = Counter("ov_board_dropped_specialists", "Specialist calls that failed", ["board"])


def record(report: Report, outcome: str) -> None:
    """One finished board request ("ok", "error" or "cancelled")."""
    REQUESTS.labels(report.board, report.strategy, outcome).inc()
    if report.route_reason or report.route_ms:
        ROUTE_SECONDS.labels(report.board).observe(report.route_ms / 1000)
    if report.notes.get("escalated") is True:
        ESCALATIONS.labels(report.board).inc()
    if dropped := len(report.dropped):
        DROPPED.labels(report.board).inc(dropped)
