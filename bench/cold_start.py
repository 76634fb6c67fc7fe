"""Cold start: first token of a registry model no worker has loaded, GGUF vs its IR.

One front door with two routes on the default model, the GGUF as shipped and the
IR GenAI saves from it (`make run` registers the IR). Before each request both are
unloaded (`POST /ov/unload`), so each answer pays the worker's start, the model's
load and compile, and the first token; rounds interleaved. The OS file cache is warm
after the first round, as it is on a box that has served the model before.

    python bench/cold_start.py [--rounds 5]
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

from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec
from testbed.models import DEFAULT, place_default_ir
from testbed.proxy import KEY, start_proxy

ROUTES = {"gguf": f"{DEFAULT}-gguf", "ir": f"{DEFAULT}-ir"}


def first_token(client: openai.OpenAI, model: str) -> float:
    started = time.perf_counter()
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4, stream=True
    )
    took = float("nan")
    for chunk in stream:
        if took != took and chunk.choices and chunk.choices[0].delta.content:
            took = time.perf_counter() - started
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ov-cold-"))
    spec = default_model_spec()
    built = time.perf_counter()
    ir, gguf = place_default_ir(root)
    print(f"the IR (saved by GenAI, or cached): {time.perf_counter() - built:.1f} s")
    models = {ROUTES["gguf"]: default_entry(spec, gguf), ROUTES["ir"]: default_entry(spec, ir)}
    proxy = start_proxy(root, models)
    client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0)
    results: dict[str, list[float]] = {k: [] for k in ROUTES}
    try:
        for r in range(args.rounds):
            kinds = list(ROUTES) if r % 2 == 0 else list(reversed(ROUTES))
            for kind in kinds:
                for route in ROUTES.values():
                    httpx.post(
                        f"{proxy.base_url}/ov/unload",
                        json={"model": route},
                        headers={"Authorization": f"Bearer {KEY}"},
                        timeout=120,
                    ).raise_for_status()
                results[kind].append(first_token(client, ROUTES[kind]))
                print(f"round {r + 1} {kind:5} {results[kind][-1] * 1000:7.0f} ms", flush=True)
    finally:
        proxy.stop()
    med = {k: statistics.median(v) for k, v in results.items()}
    size = {"gguf": gguf.stat().st_size, "ir": sum(f.stat().st_size for f in ir.iterdir())}
    print(f"\n{args.rounds} rounds interleaved, medians: first token of an unloaded model")
    for k in ROUTES:
        print(f"  {k:5} {med[k] * 1000:7.0f} ms   ({size[k] / 2**20:.0f} MB on disk)")
    print(f"  IR/GGUF {med['ir'] / med['gguf']:.2f}x")


if __name__ == "__main__":
    main()
