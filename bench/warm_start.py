"""A warm default: the first request after the front door is ready vs the tenth.

A front door started as `make run` starts it (the default model pinned with
OV_PINNED_MODELS), waited for until /health/readiness answers 200, then ten
requests in a row, time to first token each; the same with nothing pinned (the first
request pays the load). Rounds repeat the whole start. Goal: first / tenth <= 1.2x.

    python bench/warm_start.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cold_start import first_token
from testbed.models import DEFAULT, default_registry
from testbed.proxy import KEY, start_proxy


def one_start(root: Path, pinned: bool) -> tuple[float, float, float]:
    """(seconds from start to ready, first TTFT, tenth TTFT)."""
    env = {"OV_PINNED_MODELS": DEFAULT if pinned else ""}
    started = time.perf_counter()
    proxy = start_proxy(root, default_registry(root), env)
    try:
        while httpx.get(f"{proxy.base_url}/health/readiness", timeout=10).status_code != 200:
            time.sleep(0.05)
        ready = time.perf_counter() - started
        client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0)
        ttfts = [first_token(client, DEFAULT) for _ in range(10)]
    finally:
        proxy.stop()
    return ready, ttfts[0], ttfts[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    runs: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
    for r in range(args.rounds):
        for pinned in (True, False) if r % 2 == 0 else (False, True):
            root = Path(tempfile.mkdtemp(prefix="ov-warm-"))
            runs[pinned].append(one_start(root, pinned))
            ready, first, tenth = runs[pinned][-1]
            label = "pinned" if pinned else "lazy"
            print(
                f"round {r + 1} {label:6} ready {ready:5.1f} s  first {first * 1000:6.0f} ms"
                f"  tenth {tenth * 1000:6.0f} ms",
                flush=True,
            )
    print(f"\n{args.rounds} rounds, medians")
    for pinned, label in ((True, "pinned (make run)"), (False, "nothing pinned")):
        ready, first, tenth = (statistics.median(x[i] for x in runs[pinned]) for i in range(3))
        print(
            f"  {label:18} ready after {ready:4.1f} s, first TTFT {first * 1000:5.0f} ms, "
            f"tenth {tenth * 1000:4.0f} ms: first/tenth {first / tenth:.2f}x"
        )


if __name__ == "__main__":
    main()
