"""Scale-out, side by side in one run: one front door vs two, one node vs two, with
and without a shared Redis.

Two ov-llm-server nodes serve the default model; front doors with an empty registry
reach them as other nodes (general_settings.openvino.nodes). Each setup gets the same
load (N clients, each R requests of T tokens, split evenly over its front doors),
rounds interleaved. Reported per setup: aggregate tok/s, request latency p50/p90,
front-door CPU per request (user+system time of the proxy processes), and for the
Redis setups Redis commands per request and a PING's round trip. Ratios are to
"1 door, 1 node".

    python bench/mesh.py [--clients 8] [--requests 4] [--tokens 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import openai
import psutil
import redis
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from litellm_ov_provider.ops.redis_local import LocalRedis
from testbed.models import DEFAULT as MODEL
from testbed.models import default_registry
from testbed.node import Node, start_node
from testbed.proxy import KEY, REPO, Proxy, start_proxy
from testbed.shared import local_redis

PROMPT = [{"role": "user", "content": "Tell me a story about a lighthouse."}]


@dataclass
class Setup:
    name: str
    doors: list[Proxy]
    redis: LocalRedis | None = None
    runs: list[dict[str, float]] = field(default_factory=list)


def door_config(path: Path, nodes: dict[str, Node]) -> Path:
    config = yaml.safe_load((REPO / "config" / "litellm.yaml").read_text())
    config["general_settings"]["openvino"]["nodes"] = [
        {"name": n, "url": node.base_url, "api_key": f"os.environ/NODE_{n.upper()}_KEY"}
        for n, node in nodes.items()
    ]
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def cpu_seconds(door: Proxy) -> float:
    proc = psutil.Process(door.proc.pid)
    times = proc.cpu_times()
    return times.user + times.system


def redis_calls(r: LocalRedis) -> int:
    client = redis.Redis(host="127.0.0.1", port=r.port, password=r.password)
    try:
        stats = client.info("commandstats")
        return sum(int(v["calls"]) for v in stats.values())
    finally:
        client.close()


def ping_ms(r: LocalRedis, n: int = 200) -> float:
    client = redis.Redis(host="127.0.0.1", port=r.port, password=r.password)
    try:
        client.ping()
        start = time.perf_counter()
        for _ in range(n):
            client.ping()
        return (time.perf_counter() - start) / n * 1000
    finally:
        client.close()


async def one(client: openai.AsyncOpenAI, tokens: int, seed: int) -> tuple[int, float]:
    start = time.perf_counter()
    r = await client.chat.completions.create(
        model=MODEL, messages=PROMPT, max_tokens=tokens, temperature=0.8, seed=seed
    )
    return (r.usage.completion_tokens if r.usage else 0), time.perf_counter() - start


async def load(setup: Setup, args: argparse.Namespace) -> dict[str, float]:
    clients = [
        openai.AsyncOpenAI(base_url=f"{d.base_url}/v1", api_key=KEY, timeout=600, max_retries=0)
        for d in setup.doors
    ]

    async def user(i: int) -> list[tuple[int, float]]:
        client = clients[i % len(clients)]
        return [await one(client, args.tokens, i * 100 + j) for j in range(args.requests)]

    cpu0 = sum(cpu_seconds(d) for d in setup.doors)
    calls0 = redis_calls(setup.redis) if setup.redis else 0
    start = time.perf_counter()
    done = [x for xs in await asyncio.gather(*(user(i) for i in range(args.clients))) for x in xs]
    wall = time.perf_counter() - start
    n = len(done)
    latencies = sorted(t for _, t in done)
    out = {
        "tok_s": sum(k for k, _ in done) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p90_ms": latencies[int(0.9 * (n - 1))] * 1000,
        "door_cpu_ms_per_request": (sum(cpu_seconds(d) for d in setup.doors) - cpu0) / n * 1000,
    }
    if setup.redis:
        out["redis_commands_per_request"] = (redis_calls(setup.redis) - calls0) / n
    return out


def start_setups(stack: ExitStack, root: Path) -> list[Setup]:
    registry = root / "node" / "registry.json"
    registry.parent.mkdir(parents=True)
    registry.write_text(json.dumps({"version": 1, "models": default_registry(root)}))
    keys = {"a": "bench-node-a-" + "a" * 24, "b": "bench-node-b-" + "b" * 24}
    nodes = {n: start_node(registry, root / f"node-{n}.log", keys[n]) for n in keys}
    for node in nodes.values():
        stack.callback(node.stop)
    env = {"NODE_A_KEY": keys["a"], "NODE_B_KEY": keys["b"]}
    redis_server = stack.enter_context(local_redis())

    def door(name: str, which: list[str], shared: bool) -> Proxy:
        config = door_config(root / f"{name}.yaml", {n: nodes[n] for n in which})
        full = {**env, **(redis_server.env if shared else {})}
        proxy = start_proxy(root / name, {}, full, config)
        stack.callback(proxy.stop)
        proxy.wait_for(lambda: MODEL in proxy.model_ids(), 30, "the nodes' model")
        return proxy

    one_node = door("one-node", ["a"], False)
    plain = [door(f"plain{i}", ["a", "b"], False) for i in range(2)]
    shared = [door(f"shared{i}", ["a", "b"], True) for i in range(2)]
    return [
        Setup("1 door, 1 node", [one_node]),
        Setup("1 door, 2 nodes", plain[:1]),
        Setup("2 doors, 2 nodes", plain),
        Setup("1 door, 2 nodes, Redis", shared[:1], redis_server),
        Setup("2 doors, 2 nodes, Redis", shared, redis_server),
    ]


async def run(args: argparse.Namespace) -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix="ov-bench-mesh-"))
    with ExitStack() as stack:
        setups = start_setups(stack, root)
        warm = argparse.Namespace(**{**vars(args), "clients": 2, "requests": 1})
        for setup in setups:
            await load(setup, warm)  # both nodes loaded, every door's clients made
        for _ in range(args.rounds):
            for setup in setups:
                setup.runs.append(await load(setup, args))
        ping = ping_ms(setups[-1].redis) if setups[-1].redis else None
    base = {k: statistics.median(r[k] for r in setups[0].runs) for k in setups[0].runs[0]}
    rows = {}
    for setup in setups:
        med = {k: round(statistics.median(r[k] for r in setup.runs), 2) for k in setup.runs[0]}
        med["tok_s_ratio"] = round(med["tok_s"] / base["tok_s"], 2)
        med["p50_ratio"] = round(med["p50_ms"] / base["p50_ms"], 2)
        rows[setup.name] = med
    return {
        "cpu": platform.processor() or _cpu_model(),
        "cores": psutil.cpu_count(),
        "load": f"{args.clients} clients x {args.requests} requests x {args.tokens} tokens",
        "rounds": args.rounds,
        "redis_ping_ms": round(ping, 3) if ping else None,
        "setups": rows,
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
