"""Reading Prometheus' text format in tests and benchmarks."""

from __future__ import annotations

import re

import httpx


def value(text: str, name: str, **labels: str) -> float | None:
    """One sample's value from the Prometheus text format."""
    for line in text.splitlines():
        m = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if labels.items() <= have.items():
            return float(m.group(3))
    return None


def scrape(base_url: str, key: str) -> str:
    r = httpx.get(
        f"{base_url}/metrics",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
        follow_redirects=True,  # LiteLLM mounts it at /metrics/, as Prometheus follows
    )
    assert r.status_code == 200, r.text
    return r.text
