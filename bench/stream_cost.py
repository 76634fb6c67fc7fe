"""What a streamed chunk costs the front door, and what coalescing busy streams saves.

1. The front door's and `ov-llm-server`'s own CPU per streamed chunk and per
   request: process CPU time for one 20-token and one 400-token stream alone
   (one chunk per token), the slope and the intercept.
2. Coalescing (OV_STREAM_COALESCE_MS, engine/coalesce.py): two front doors on the
   default model, one with it off (0) and one with the default bound, rounds
   interleaved, at 1, 8 and 16 clients: aggregate tokens/s, chunks per token,
   front-door CPU per token, and the time to first token (never held).
Not in CI.

    python bench/stream_cost.py [--rounds 3] [--tokens 128] [--clients 1 8 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.peer import ASK
from testbed.models import DEFAULT, default_registry
from testbed.node import start_node
from testbed.proxy import KEY, start_proxy


@dataclass
class Target:
    name: str
    client: openai.AsyncOpenAI
    pid: int

    def cpu(self) -> float:
        t = psutil.Process(self.pid).cpu_times()
        return t.user + t.system


async def one(target: Target, tokens: int) -> tuple[float, int, int]:
    """(TTFT s, content chunks, completion tokens) of one stream."""
    started = time.perf_counter()
    stream = await target.client.chat.completions.create(
        model=DEFAULT,
        messages=ASK,
        max_tokens=tokens,
        stream=True,
        temperature=0.7,
        extra_body={"ignore_eos": True},
        stream_options={"include_usage": True},
    )
    first, chunks, used = float("nan"), 0, 0
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            chunks += 1
            if chunks == 1:
                first = time.perf_counter() - started
        if chunk.usage:
            used = chunk.usage.completion_tokens
    return first, chunks, used


async def clients(target: Target, n: int, tokens: int) -> dict[str, float]:
    cpu, started = target.cpu(), time.perf_counter()
    runs = await asyncio.gather(*(one(target, tokens) for _ in range(n)))
    wall, spent = time.perf_counter() - started, target.cpu() - cpu
    made = sum(r[2] for r in runs)
    return {
        "tps": made / wall,
        "chunks_per_token": sum(r[1] for r in runs) / made,
        "cpu_ms_per_token": spent * 1000 / made,
        "ttft_ms": statistics.median(r[0] for r in runs) * 1000,
    }


async def per_chunk(target: Target, rounds: int) -> dict[str, float]:
    """Process CPU per extra chunk (slope) and per request (intercept), one stream."""
    await one(target, 8)
    seen: dict[int, list[tuple[float, int]]] = {20: [], 400: []}
    for _ in range(rounds):
        for n in seen:
            before = target.cpu()
            _, chunks, _ = await one(target, n)
            seen[n].append((target.cpu() - before, chunks))
    med = {
        n: (statistics.median(c for c, _ in v), statistics.median(k for _, k in v))
        for n, v in seen.items()
    }
    slope = (med[400][0] - med[20][0]) / (med[400][1] - med[20][1])
    return {"chunk_us": slope * 1e6, "request_ms": (med[20][0] - slope * med[20][1]) * 1000}


def start(root: Path, name: str, env: dict[str, str]) -> tuple[Target, Any]:
    env = {"OV_PINNED_MODELS": DEFAULT, "OV_MODELS_ROOT": str(root), **env}
    proxy = start_proxy(root / name, default_registry(root), env)
    client = openai.AsyncOpenAI(
        base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0, timeout=600
    )
    return Target(name, client, proxy.proc.pid), proxy


def start_standalone(root: Path) -> tuple[Target, Any]:
    registry = root / "node" / "registry.json"
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_text(json.dumps({"version": 1, "models": default_registry(root)}))
    node = start_node(registry, root / "node.log", "k" * 40, env={"OV_STREAM_COALESCE_MS": "0"})
    client = openai.AsyncOpenAI(
        base_url=f"{node.base_url}/v1", api_key=node.key, max_retries=0, timeout=600
    )
    return Target("ov-llm-server", client, node.proc.pid), node


async def measure(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    off, off_proc = start(root, "coalescing off", {"OV_STREAM_COALESCE_MS": "0"})
    on, on_proc = start(root, "coalescing on", {})
    node, node_proc = start_standalone(root)
    try:
        costs = {t.name: await per_chunk(t, args.rounds) for t in (off, node)}
        seen: dict[str, dict[int, list[dict[str, float]]]] = {
            t.name: {n: [] for n in args.clients} for t in (off, on)
        }
        for r in range(args.rounds):
            for n in args.clients:
                for t in (off, on) if r % 2 == 0 else (on, off):
                    seen[t.name][n].append(await clients(t, n, args.tokens))
        coalescing = {
            name: {
                n: {k: statistics.median(x[k] for x in runs) for k in runs[0]}
                for n, runs in by_n.items()
            }
            for name, by_n in seen.items()
        }
        return {"per_chunk": costs, "coalescing": coalescing}
    finally:
        for proc in (off_proc, on_proc, node_proc):
            proc.stop()


def report(result: dict[str, Any]) -> None:
    from litellm_ov_provider.tuning.cpu import cpu_summary

    print(f"CPU: {cpu_summary()}")
    for name, c in result["per_chunk"].items():
        print(
            f"{name}: {c['chunk_us']:.0f} us of process CPU per chunk, "
            f"{c['request_ms']:.1f} ms per request"
        )
    print(
        "\n| clients | off tok/s | on tok/s | on/off | chunks per token off/on "
        "| CPU ms per token off/on | TTFT ms off/on |"
    )
    print("|---|---|---|---|---|---|---|")
    off, on = result["coalescing"]["coalescing off"], result["coalescing"]["coalescing on"]
    for n in off:
        a, b = off[n], on[n]
        print(
            f"| {n} | {a['tps']:.1f} | {b['tps']:.1f} | {b['tps'] / a['tps']:.2f}x | "
            f"{a['chunks_per_token']:.2f} / {b['chunks_per_token']:.2f} | "
            f"{a['cpu_ms_per_token']:.2f} / {b['cpu_ms_per_token']:.2f} | "
            f"{a['ttft_ms']:.0f} / {b['ttft_ms']:.0f} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--clients", type=int, nargs="*", default=[1, 8, 16])
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(args, Path(tmp)))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    report(result)


if __name__ == "__main__":
    main()
