"""Throughput and event-loop responsiveness through the real proxy.

Runs, side by side in one process and one proxy: one streaming client, then N
simultaneous streaming clients, on the same prompt and token budget, while a
prober times /health/liveliness. Reports ratios (the machine is shared and noisy,
so absolute figures vary run to run). Targets: aggregate >= 2.5x one
client's tokens/s with 8 clients; liveliness under 250 ms while they stream.

    python bench/concurrency.py [--clients 8] [--tokens 96] [--rounds 3]
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

import httpx
import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testbed.models import DEFAULT as MODEL
from testbed.models import default_registry
from testbed.proxy import KEY, start_proxy

PROMPT = [{"role": "user", "content": "Tell me a long story about a dragon and a knight."}]


async def stream_once(client: openai.AsyncOpenAI, tokens: int, seed: int) -> int:
    stream = await client.chat.completions.create(
        model=MODEL,
        messages=PROMPT,
        max_tokens=tokens,
        stream=True,
        temperature=0.8,
        seed=seed,
        stream_options={"include_usage": True},
        extra_body={"ignore_eos": True},
    )
    used = 0
    async for chunk in stream:
        if chunk.usage:
            used = chunk.usage.completion_tokens
    return used


async def timed(client: openai.AsyncOpenAI, clients: int, tokens: int) -> float:
    start = time.perf_counter()
    counts = await asyncio.gather(*[stream_once(client, tokens, i) for i in range(clients)])
    return sum(counts) / (time.perf_counter() - start)


async def probe(base_url: str, lags: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        while True:
            start = time.perf_counter()
            await http.get("/health/liveliness")
            lags.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.05)


async def run(args: argparse.Namespace) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="ov-bench-"))
    proxy = start_proxy(root, default_registry(root))
    try:
        client = openai.AsyncOpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, timeout=600)
        await stream_once(client, 8, 0)  # load and warm up
        singles, multis, lags = [], [], []
        for _ in range(args.rounds):
            singles.append(await timed(client, 1, args.tokens))
            prober = asyncio.create_task(probe(proxy.base_url, lags))
            multis.append(await timed(client, args.clients, args.tokens))
            prober.cancel()
        one, many = statistics.median(singles), statistics.median(multis)
        return {
            "one_client_tok_s": round(one, 1),
            f"{args.clients}_clients_aggregate_tok_s": round(many, 1),
            "ratio": round(many / one, 2),
            "liveliness_p50_ms": round(statistics.median(lags), 1),
            "liveliness_max_ms": round(max(lags), 1),
        }
    finally:
        proxy.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    ok = result["ratio"] >= 2.5 and result["liveliness_max_ms"] < 250
    print("targets met" if ok else "targets NOT met", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
