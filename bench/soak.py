"""Soak: the front door under a steady mixed load for a long stretch.

8 clients for 10 minutes, each sending, at random (seeded): streamed chats, unary
chats, tool-calling requests, and streams it walks away from after a few chunks.
Reports errors (target 0), p50/p95 latency per kind, and the RSS drift of the proxy
and of the model worker between the end of a warm-up minute and the end of the run
(target under 5 %). Not part of CI.

    python bench/soak.py [--minutes 10] [--clients 8] [--base-url URL --key KEY]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import openai
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testbed.models import DEFAULT as MODEL
from testbed.models import default_registry
from testbed.proxy import KEY, start_proxy

PROMPTS = [
    "Tell me a short story about a fox.",
    "What is the capital of France?",
    "Explain photosynthesis in two sentences.",
    "Write a haiku about rain.",
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two numbers",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            },
        },
    },
]
KINDS = ("stream", "unary", "tools", "cancelled")
WEIGHTS = (40, 30, 15, 15)


async def one(client: openai.AsyncOpenAI, kind: str, rng: random.Random) -> None:
    messages = [{"role": "user", "content": rng.choice(PROMPTS)}]
    if kind == "unary":
        await client.chat.completions.create(model=MODEL, messages=messages, max_tokens=32)
    elif kind == "tools":
        await client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "What is the weather in Oslo?"}],
            tools=TOOLS,
            tool_choice=rng.choice(["auto", "required"]),
            max_tokens=48,
        )
    else:
        stream = await client.chat.completions.create(
            model=MODEL, messages=messages, max_tokens=64, stream=True
        )
        seen = 0
        async for _ in stream:
            seen += 1
            if kind == "cancelled" and seen == 3:
                await stream.close()  # the client walks away mid-answer
                break


async def client_loop(
    client: openai.AsyncOpenAI,
    seed: int,
    until: float,
    latencies: dict[str, list[float]],
    errors: list[str],
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        kind = rng.choices(KINDS, WEIGHTS)[0]
        start = time.perf_counter()
        try:
            await one(client, kind, rng)
            latencies[kind].append(time.perf_counter() - start)
        except Exception as exc:  # every failure counts; none is expected
            errors.append(f"{kind}: {type(exc).__name__}: {str(exc)[:200]}")


def rss(pid: int) -> dict[str, int]:
    """RSS of the proxy and of each model worker, by role."""
    root = psutil.Process(pid)
    out = {"proxy": root.memory_info().rss}
    for child in root.children(recursive=True):
        try:
            args = child.cmdline()
            if "--kind=chat" in args:
                out["worker"] = out.get("worker", 0) + child.memory_info().rss
        except psutil.Error:
            continue
    return out


async def soak(
    base_url: str, key: str, pid: int | None, args: argparse.Namespace
) -> dict[str, Any]:
    client = openai.AsyncOpenAI(base_url=f"{base_url}/v1", api_key=key, timeout=300, max_retries=0)
    await one(client, "unary", random.Random(0))  # load the model
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    warm_until = time.monotonic() + 60
    until = time.monotonic() + args.minutes * 60
    loops = [
        asyncio.create_task(client_loop(client, i, until, latencies, errors))
        for i in range(args.clients)
    ]
    await asyncio.sleep(max(0.0, warm_until - time.monotonic()))
    warm = rss(pid) if pid else {}
    await asyncio.gather(*loops)
    end = rss(pid) if pid else {}
    return {
        "minutes": args.minutes,
        "clients": args.clients,
        "requests": {k: len(v) for k, v in latencies.items()},
        "errors": len(errors),
        "first_errors": errors[:5],
        "latency_s": {
            k: {
                "p50": round(statistics.median(v), 2),
                "p95": round(statistics.quantiles(v, n=20)[18], 2),
            }
            for k, v in latencies.items()
            if len(v) >= 2
        },
        "rss_mb_after_warmup": {k: round(v / 2**20, 1) for k, v in warm.items()},
        "rss_mb_at_end": {k: round(v / 2**20, 1) for k, v in end.items()},
        "rss_drift_pct": {
            k: round(100 * (end[k] - warm[k]) / warm[k], 1) for k in warm if k in end
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--base-url", help="an already running front door (no RSS figures)")
    parser.add_argument("--key", default=KEY)
    args = parser.parse_args()
    if args.base_url:
        result = asyncio.run(soak(args.base_url, args.key, None, args))
    else:
        root = Path(tempfile.mkdtemp(prefix="ov-soak-"))
        proxy = start_proxy(root, default_registry(root))
        try:
            result = asyncio.run(soak(proxy.base_url, KEY, proxy.proc.pid, args))
        finally:
            proxy.stop()
    print(json.dumps(result, indent=2))
    drift = result["rss_drift_pct"].values()
    ok = result["errors"] == 0 and all(d < 5 for d in drift)
    print("targets met" if ok else "targets NOT met", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
