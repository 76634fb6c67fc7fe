"""Where the node's time goes: the warm raw engine against the node, one stream.

Four ways to run the same model (the default model's IR, one stream, sampling on,
ignore_eos, 128 tokens), rounds interleaved, each warm:

- `LLMPipeline`: OpenVINO GenAI's plain pipeline, in this process, a token streamer;
- `CB stepped`: a ContinuousBatchingPipeline built as the node builds it
  (`engine.worker.llm.open_pipeline`), stepped in this process as the worker steps it;
- `worker`: the node's worker process through `EngineClient` (the pipe, no HTTP);
- `ov-llm-server`: the standalone node over HTTP with the openai SDK.

TTFT is submit to first token; decode is tokens/s after the first. The differences
between neighbouring rows are the costs of the pipeline choice, the worker process
and pipe, and the HTTP server. Not in CI.

    python bench/node_path.py [--rounds 5] [--tokens 128] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.peer import ASK
from testbed.models import DEFAULT, default_registry

Timing = tuple[float, float]  # (ttft s, decode tokens/s)


def _decode(stamps: list[float]) -> float:
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")


def _config(g: Any, base: Any, tokens: int) -> Any:
    config = base
    config.max_new_tokens = tokens
    config.do_sample = True
    config.temperature = 0.7
    config.ignore_eos = True
    return config


def raw_llm(path: str, tokens: int) -> Callable[[], Timing]:
    import openvino_genai as g

    pipe = g.LLMPipeline(path, "CPU")
    prompt = pipe.get_tokenizer().apply_chat_template(ASK, add_generation_prompt=True)

    class Stamps(g.StreamerBase):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.at: list[float] = []

        def write(self, token: Any) -> Any:
            n = len(token) if isinstance(token, list) else 1
            self.at.extend([time.perf_counter()] * n)
            return g.StreamingStatus.RUNNING

        def end(self) -> None:
            pass

    def run() -> Timing:
        streamer = Stamps()
        started = time.perf_counter()
        pipe.generate(prompt, _config(g, pipe.get_generation_config(), tokens), streamer)
        return streamer.at[0] - started, _decode(streamer.at)

    return run


def raw_cb(path: str, tokens: int) -> Callable[[], Timing]:
    import openvino_genai as g

    from litellm_ov_provider.engine.protocol import WorkerSpec
    from litellm_ov_provider.engine.worker.pipeline import open_pipeline

    pipe = open_pipeline(g, WorkerSpec(name=DEFAULT, path=path, device="CPU"))
    tok = pipe.get_tokenizer()
    prompt = tok.apply_chat_template(ASK, add_generation_prompt=True)
    rids = iter(range(1, 1 << 30))

    def run() -> Timing:
        started = time.perf_counter()
        ids = tok.encode(prompt, add_special_tokens=False).input_ids
        handle = pipe.add_request(next(rids), ids, _config(g, pipe.get_config(), tokens))
        at: list[float] = []
        while handle.get_status() == g.GenerationStatus.RUNNING or handle.can_read():
            pipe.step()
            while handle.can_read():
                for out in handle.read().values():
                    at.extend([time.perf_counter()] * len(out.generated_ids))
        return at[0] - started, _decode(at)

    return run


def worker(path: str, tokens: int) -> tuple[Callable[[], Timing], Callable[[], None]]:
    from litellm_ov_provider.engine import protocol as p
    from litellm_ov_provider.engine.client import EngineClient

    client = EngineClient(p.WorkerSpec(name=DEFAULT, path=path, device="CPU"))
    client.wait_ready(300)
    loop = asyncio.new_event_loop()
    sampling = p.Sampling(max_tokens=tokens, temperature=0.7, ignore_eos=True)

    async def once() -> Timing:
        started = time.perf_counter()
        _, events = await client.submit(ASK, None, sampling)
        at: list[float] = []
        async for event in events:
            if isinstance(event, p.Delta) and event.tokens:
                at.extend([time.perf_counter()] * event.tokens)
        return at[0] - started, _decode(at)

    def stop() -> None:
        client.close()
        loop.close()

    return (lambda: loop.run_until_complete(once())), stop


def server(root: Path, tokens: int) -> tuple[Callable[[], Timing], Callable[[], None]]:
    """The standalone node over HTTP, read with httpx line by line (the openai SDK's
    own parsing would count against the node)."""
    import httpx

    from testbed.node import start_node

    registry = root / "node-registry.json"
    registry.write_text(json.dumps({"version": 1, "models": default_registry(root)}))
    node = start_node(registry, root / "node.log")
    http = httpx.Client(base_url=node.base_url, timeout=600)
    body = {
        "model": DEFAULT,
        "messages": ASK,
        "max_tokens": tokens,
        "stream": True,
        "temperature": 0.7,
        "ignore_eos": True,
    }
    headers = {"Authorization": f"Bearer {node.key}"}

    def run() -> Timing:
        at: list[float] = []
        started = time.perf_counter()
        with http.stream("POST", "/v1/chat/completions", json=body, headers=headers) as r:
            for line in r.iter_lines():
                if line.startswith("data: {") and '"content":"' in line.replace(" ", ""):
                    at.append(time.perf_counter())
        return at[0] - started, _decode(at)

    def stop() -> None:
        http.close()
        node.stop()

    return run, stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = str(default_registry(root)[DEFAULT]["path"])
        stops: list[Callable[[], None]] = []
        targets: dict[str, Callable[[], Timing]] = {
            "LLMPipeline": raw_llm(path, args.tokens),
            "CB stepped": raw_cb(path, args.tokens),
        }
        targets["worker"], stop = worker(path, args.tokens)
        stops.append(stop)
        targets["ov-llm-server"], stop = server(root, args.tokens)
        stops.append(stop)
        try:
            results = rounds(targets, args.rounds)
            print(json.dumps(results), file=sys.stderr)
        finally:
            for stop in stops:
                stop()
    report(results, args.json)


def rounds(targets: dict[str, Callable[[], Timing]], n: int) -> dict[str, Timing]:
    """Medians over `n` interleaved rounds, after one warm-up run of each."""
    seen: dict[str, list[Timing]] = {name: [] for name in targets}
    for run in targets.values():
        run()
    for _ in range(n):
        for name, run in targets.items():
            seen[name].append(run())
    return {
        name: (statistics.median(t for t, _ in got), statistics.median(d for _, d in got))
        for name, got in seen.items()
    }


def report(results: dict[str, Timing], as_json: bool) -> None:
    from litellm_ov_provider.tuning.cpu import cpu_summary

    base_ttft, base_decode = results["LLMPipeline"]
    rows = {
        name: {
            "ttft_ms": round(ttft * 1000, 1),
            "decode_tps": round(decode, 1),
            "ttft_vs_raw_ms": round((ttft - base_ttft) * 1000, 1),
            "decode_vs_raw": round(decode / base_decode, 3),
        }
        for name, (ttft, decode) in results.items()
    }
    if as_json:
        print(json.dumps({"cpu": cpu_summary(), "rows": rows}, indent=2))
        return
    print(f"CPU: {cpu_summary()}")
    print("| | TTFT ms | decode tok/s | TTFT vs LLMPipeline | decode vs LLMPipeline |")
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['ttft_ms']} | {row['decode_tps']} | "
            f"{row['ttft_vs_raw_ms']:+} ms | {row['decode_vs_raw']:.3f}x |"
        )


if __name__ == "__main__":
    main()
