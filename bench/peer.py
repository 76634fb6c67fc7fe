"""Side by side with llama.cpp on the same GGUF, rounds interleaved, as a client sees it.

Servers: the front door (`make run`'s proxy, route `smollm2-135m-instruct`),
`ov-llm-server` (the same engine without LiteLLM), llama.cpp's `llama-server
-np 8 -t <cores>` (built by bench/llama_build.py from the llama-cpp-python sdist), and
the peer a user would pick instead of us: the project's pinned LiteLLM proxy, plain,
in front of that llama-server. Ratios are to that last row.
Figures: time to first token; single-stream decode (completion tokens per second
after the first, counted by the usage chunk); aggregate tokens/s at 1/4/8/16 clients; time to
first token after a ~2000-token chat history, new and as the next turn (a prefix
the server has seen). Sampling on (temperature 0.7), ignore_eos. Not in CI.

    python bench/peer.py [--rounds 3] [--tokens 128] [--clients 1 4 8 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.llama_build import VERSION as LLAMA_VERSION
from bench.llama_build import llama_server
from testbed.models import DEFAULT, default_registry
from testbed.node import start_node
from testbed.proxy import KEY, free_port, start_proxy, wait_live

PEER = "LiteLLM->llama-server"
ASK = [{"role": "user", "content": "Tell me a long story about a dragon and a knight."}]
SENTENCE = "The quick brown fox jumps over the lazy dog near the quiet river bank. "


@dataclass
class Server:
    name: str
    client: openai.AsyncOpenAI
    model: str
    stop: Callable[[], None]
    results: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.results.setdefault(key, []).append(value)


async def stream(
    server: Server, messages: list[dict[str, Any]], tokens: int
) -> tuple[float, float, int]:
    """(time to first content, decode tokens/s after the first, completion tokens).
    Tokens are the usage's count: a busy front door sends several in one chunk."""
    started = time.perf_counter()
    response = await server.client.chat.completions.create(
        model=server.model,
        messages=messages,
        max_tokens=tokens,
        stream=True,
        temperature=0.7,
        extra_body={"ignore_eos": True},
        stream_options={"include_usage": True},
    )
    stamps: list[float] = []
    used = 0
    async for chunk in response:
        if chunk.choices and chunk.choices[0].delta.content:
            stamps.append(time.perf_counter())
        if chunk.usage:
            used = chunk.usage.completion_tokens
    if not stamps:
        return float("nan"), float("nan"), 0
    used = used or len(stamps)
    span = stamps[-1] - stamps[0]
    decode = (used - 1) / span if len(stamps) > 1 and span > 0 else float("nan")
    return stamps[0] - started, decode, used


async def aggregate(server: Server, clients: int, tokens: int) -> float:
    started = time.perf_counter()
    counts = await asyncio.gather(*(stream(server, ASK, tokens) for _ in range(clients)))
    return sum(c[2] for c in counts) / (time.perf_counter() - started)


def history(turns: int, salt: int) -> list[dict[str, Any]]:
    """About 2000 tokens of chat: `turns` exchanges of filler (varied by `salt`)."""
    out: list[dict[str, Any]] = [{"role": "system", "content": "You are a helpful assistant."}]
    for i in range(turns):
        out.append({"role": "user", "content": f"Note {salt}-{i}: " + SENTENCE * 6})
        out.append({"role": "assistant", "content": f"Noted {salt}-{i}. " + SENTENCE * 5})
    return out


async def measure(server: Server, rounds_tokens: int, clients: list[int], salt: int) -> None:
    ttft, decode, _ = await stream(server, ASK, rounds_tokens)
    server.add("ttft_ms", ttft * 1000)
    server.add("decode_tps", decode)
    for n in clients:
        server.add(f"agg{n}_tps", await aggregate(server, n, rounds_tokens))
    chat = history(12, salt)
    cold, _, _ = await stream(server, [*chat, {"role": "user", "content": "Summarize."}], 8)
    server.add("history_ttft_ms", cold * 1000)
    more = [
        *chat,
        {"role": "user", "content": "Summarize."},
        {"role": "assistant", "content": "A fox, a dog, a river."},
        {"role": "user", "content": "Shorter."},
    ]
    warm, _, _ = await stream(server, more, 8)
    server.add("next_turn_ttft_ms", warm * 1000)


def start_litellm_peer(root: Path, llama_base: str) -> Any:
    """The pinned LiteLLM proxy, nothing of ours loaded, routing DEFAULT to llama-server."""
    import yaml

    config = root / "litellm-peer.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "model_list": [
                    {
                        "model_name": DEFAULT,
                        "litellm_params": {
                            "model": f"openai/{DEFAULT}",
                            "api_base": llama_base,
                            "api_key": "none",
                        },
                    }
                ],
                "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
            }
        )
    )
    return start_proxy(root / "litellm-peer", {}, config=config)


def memory(proxy: Any, llama_pid: int) -> dict[str, float]:
    """MB, after the runs: the front door process, its model worker and that worker's
    KV cache (GenAI's figure), and llama-server (whole process)."""
    import psutil

    from testbed.prom import scrape, value

    text = scrape(proxy.base_url, KEY)
    mb = 1024 * 1024
    return {
        "front door process": psutil.Process(proxy.proc.pid).memory_info().rss / mb,
        "model worker": (value(text, "ov_worker_rss_bytes", model=DEFAULT) or 0) / mb,
        "its KV cache": (value(text, "ov_kv_cache_bytes", model=DEFAULT) or 0) / mb,
        "llama-server": psutil.Process(llama_pid).memory_info().rss / mb,
    }


def start_llama(
    gguf: Path, log: Path, extra: tuple[str, ...] = ()
) -> tuple[openai.AsyncOpenAI, subprocess.Popen[bytes]]:
    port = free_port()
    threads = str(os.cpu_count() or 2)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(llama_server()),
                "-m",
                str(gguf),
                "-np",
                "8",
                "-t",
                threads,
                "-c",
                "32768",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *extra,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_live(proc, f"http://127.0.0.1:{port}", log, 120, path="/health")
    client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", timeout=600)
    return client, proc


def versions() -> dict[str, str]:
    from importlib import metadata

    return {p: metadata.version(p) for p in ("openvino-genai", "litellm")} | {
        "llama-cpp-python (llama.cpp source)": LLAMA_VERSION
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="ov-peer-"))
    models = default_registry(root)
    gguf = Path(str(models[DEFAULT]["gguf"]))  # llama.cpp's input; we serve its IR
    llama_server()  # build first, outside the timed part
    proxy = start_proxy(root, models)
    registry = root / "node-registry.json"
    registry.write_text(json.dumps({"version": 1, "models": models}))
    node = start_node(registry, root / "node.log")
    llama, llama_proc = start_llama(gguf, root / "llama.log")
    peer = start_litellm_peer(root, str(llama.base_url).rstrip("/"))
    servers = [
        Server(
            "front door",
            openai.AsyncOpenAI(
                base_url=f"{proxy.base_url}/v1", api_key=KEY, timeout=600, max_retries=0
            ),
            DEFAULT,
            proxy.stop,
        ),
        Server(
            "ov-llm-server",
            openai.AsyncOpenAI(
                base_url=f"{node.base_url}/v1", api_key=node.key, timeout=600, max_retries=0
            ),
            DEFAULT,
            node.stop,
        ),
        Server("llama-server", llama, DEFAULT, llama_proc.terminate),
        Server(
            PEER,
            openai.AsyncOpenAI(
                base_url=f"{peer.base_url}/v1", api_key=KEY, timeout=600, max_retries=0
            ),
            DEFAULT,
            peer.stop,
        ),
    ]
    try:
        for s in servers:  # warm: load, compile, first allocations
            await stream(s, ASK, 16)
        for r in range(args.rounds):
            for s in servers[r % len(servers) :] + servers[: r % len(servers)]:  # rotated
                # The peer row shares llama-server's process: its own chat histories, so
                # neither row finds the other's prefix in llama-server's cache.
                await measure(
                    s, args.tokens, args.clients, salt=r + (1000 if s.name == PEER else 0)
                )
        used = memory(proxy, llama_proc.pid)
        used["LiteLLM proxy (peer)"] = _rss_mb(peer.proc.pid)
    finally:
        for s in servers:
            s.stop()
    print("\nmemory (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in used.items()))
    return report(servers, args)


def _rss_mb(pid: int) -> float:
    import psutil

    return float(psutil.Process(pid).memory_info().rss) / (1024 * 1024)


def report(servers: list[Server], args: argparse.Namespace) -> dict[str, Any]:
    keys = list(servers[0].results)
    med = {s.name: {k: statistics.median(v) for k, v in s.results.items()} for s in servers}
    peer = med[PEER]
    print(
        f"\n{platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; {versions()}"
    )
    print(f"{args.rounds} rounds interleaved, {args.tokens} tokens, medians\n")
    print(f"{'':24}" + "".join(f"{s.name[:15]:>16}" for s in servers) + "   front/peer   node/peer")
    for k in keys:
        row = "".join(f"{med[s.name][k]:16.1f}" for s in servers)
        ratio = [
            med[n][k] / peer[k] if peer[k] else float("nan")
            for n in ("front door", "ov-llm-server")
        ]
        print(f"{k:24}{row}   {ratio[0]:10.2f}x {ratio[1]:10.2f}x")
    overhead = 1 - med["front door"]["decode_tps"] / med["ov-llm-server"]["decode_tps"]
    ttft_gap = med["front door"]["ttft_ms"] - med["ov-llm-server"]["ttft_ms"]
    print(f"\nfront door vs ov-llm-server: decode {overhead:+.1%} slower, TTFT {ttft_gap:+.1f} ms")
    return med


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8, 16])
    ap.add_argument("--json", type=Path, help="also write the medians here")
    args = ap.parse_args()
    med = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(med, indent=2))


if __name__ == "__main__":
    main()
