"""The event loop stays free during a huge request: /health/liveliness is probed
while one chat request carries 5000 tools (each with its own JSON schema).

Reports the probe's delay (p50 / max) during the request and the request's own
outcome and duration. Target: max delay under 250 ms.

    python bench/liveliness.py [--tools 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testbed.models import DEFAULT as MODEL
from testbed.models import default_registry
from testbed.payloads import many_tools
from testbed.proxy import KEY, start_proxy


async def probe(http: httpx.AsyncClient, lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        await http.get("/health/liveliness")
        lags.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.02)


async def one_round(base_url: str, tools: list[dict[str, Any]]) -> dict[str, Any]:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": tools,
        "max_tokens": 8,
    }
    lags: list[float] = []
    stop = asyncio.Event()
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=600) as http:
        prober = asyncio.create_task(probe(http, lags, stop))
        await asyncio.sleep(0.2)
        baseline = len(lags)
        start = time.perf_counter()
        response = await http.post("/v1/chat/completions", json=body)
        took = time.perf_counter() - start
        stop.set()
        await prober
    during = lags[baseline:] or [0.0]
    return {
        "status": response.status_code,
        "request_s": round(took, 2),
        "probes_during": len(during),
        "p50_ms": round(statistics.median(during), 1),
        "max_ms": round(max(during), 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="ov-bench-live-"))
    proxy = start_proxy(root, default_registry(root))
    try:
        tools = many_tools(args.tools)
        rounds = [await one_round(proxy.base_url, tools) for _ in range(args.rounds)]
        return {
            "tools": args.tools,
            "body_mb": round(len(json.dumps(tools)) / 2**20, 2),
            "rounds": rounds,
            "liveliness_max_ms": max(r["max_ms"] for r in rounds),
        }
    finally:
        proxy.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    ok = result["liveliness_max_ms"] < 250
    print("target met" if ok else "target NOT met", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
