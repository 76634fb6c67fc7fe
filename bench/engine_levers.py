"""OpenVINO GenAI settings for one stream, measured side by side in one process.

Loads the default GGUF once per variant (CPU properties, scheduler settings), then
interleaves single-stream generations across the variants, round by round, and
prints time to first token and decode tokens/s (after the first token) as ratios to
the node's current settings. Sampling on (temperature 0.7), ignore_eos.

    python bench/engine_levers.py [--rounds 5] [--tokens 128]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openvino_genai as g

from litellm_ov_provider.ops.bootstrap import cached_model_file, default_model_spec

PROMPT = (
    "<|im_start|>user\nTell me a long story about a dragon and a knight.<|im_end|>\n"
    "<|im_start|>assistant\n"
)
CORES = os.cpu_count() or 2

# name -> (CPU properties, scheduler overrides)
VARIANTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "current": ({}, {}),
    "threads=cores": ({"INFERENCE_NUM_THREADS": CORES}, {}),
    "hint=LATENCY": ({"PERFORMANCE_HINT": "LATENCY"}, {}),
    "kv=f16": ({"KV_CACHE_PRECISION": "f16"}, {}),
    "dynq=off": ({"DYNAMIC_QUANTIZATION_GROUP_SIZE": 0}, {}),
    "dynq=64": ({"DYNAMIC_QUANTIZATION_GROUP_SIZE": 64}, {}),
    "batched=256": ({}, {"max_num_batched_tokens": 256}),
    "no-prefix-cache": ({}, {"enable_prefix_caching": False}),
    "threads+kv=f16": ({"INFERENCE_NUM_THREADS": CORES, "KV_CACHE_PRECISION": "f16"}, {}),
    "threads+LATENCY": ({"INFERENCE_NUM_THREADS": CORES, "PERFORMANCE_HINT": "LATENCY"}, {}),
}


def pipeline(path: Path, props: dict[str, Any], sched: dict[str, Any]) -> Any:
    scheduler = g.SchedulerConfig()
    scheduler.cache_size = 0
    scheduler.enable_prefix_caching = True
    for key, value in sched.items():
        setattr(scheduler, key, value)
    return g.ContinuousBatchingPipeline(str(path), scheduler, "CPU", props)


def one(pipe: Any, tokens: int, rid: int) -> tuple[float, float]:
    """(TTFT s, decode tokens/s after the first) for one request alone."""
    tok = pipe.get_tokenizer()
    ids = tok.encode(PROMPT).input_ids
    config = pipe.get_config()
    config.max_new_tokens = tokens
    config.ignore_eos = True
    config.do_sample = True
    config.temperature = 0.7
    config.rng_seed = rid
    started = time.perf_counter()
    handle = pipe.add_request(rid, ids, config)
    stamps: list[float] = []
    while pipe.has_non_finished_requests():
        pipe.step()
        if handle.can_read():
            for out in handle.read().values():
                stamps.extend([time.perf_counter()] * len(out.generated_ids))
    first = stamps[0] - started
    decode = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return first, decode


def run_variant(name: str, tokens: int, seed: int) -> tuple[float, float]:
    """In a process of its own (loaded pipelines' thread pools would compete): load,
    warm, then the median of three generations."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--tokens", str(tokens), "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    ttft, tps = out.stdout.strip().splitlines()[-1].split()
    return float(ttft), float(tps)


def child(name: str, tokens: int, seed: int) -> None:
    pipe = pipeline(cached_model_file(default_model_spec()), *VARIANTS[name])
    one(pipe, 16, 0)
    runs = [one(pipe, tokens, seed * 10 + i) for i in range(3)]
    print(statistics.median(t for t, _ in runs), statistics.median(d for _, d in runs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--only", nargs="*", help="variant names")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.tokens, args.seed)
        return
    names = [n for n in VARIANTS if not args.only or n in args.only or n == "current"]
    results: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            results[name].append(run_variant(name, args.tokens, r + 1))
        print(f"round {r + 1} done", flush=True)
    base_ttft = statistics.median(t for t, _ in results["current"])
    base_tps = statistics.median(d for _, d in results["current"])
    print(f"\n{args.rounds} rounds, {args.tokens} tokens, {CORES} cores; medians")
    print(f"{'variant':18}{'TTFT ms':>10}{'decode tok/s':>14}{'TTFT x':>9}{'decode x':>10}")
    for name in names:
        ttft = statistics.median(t for t, _ in results[name])
        tps = statistics.median(d for _, d in results[name])
        print(
            f"{name:18}{ttft * 1000:10.1f}{tps:14.1f}{ttft / base_ttft:9.2f}{tps / base_tps:10.2f}"
        )


if __name__ == "__main__":
    main()
