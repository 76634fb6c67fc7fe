"""The weight formats and engine hints the node chooses between, on the box at hand.

Each candidate (a weight format of the default model x a set of CPU properties) is
loaded in a process of its own, warmed, then timed on single-stream generations
(sampling on, ignore_eos); rounds are interleaved. The node's own choice for this
CPU (litellm_ov_provider.tuning) is marked, so the table says whether it is the
fastest here. The formats are the IR GenAI saves from the default GGUF (its 4-bit
weights) and that IR recast to int8 and fp16 (registry/recast.py, as `make run`
makes them). Not in CI.

    python bench/formats.py [--rounds 3] [--tokens 128] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine_levers import one, pipeline
from litellm_ov_provider.tuning.choice import HINTS, choose, properties
from litellm_ov_provider.tuning.cpu import detect

FORMATS = ("q4", "int8", "fp16")


def model_path(fmt: str) -> Path:
    """The default model in `fmt` (built once into the download cache)."""
    from litellm_ov_provider.ops.bootstrap import cache_dir, cached_model_file, default_model_spec
    from litellm_ov_provider.registry.gguf_ir import ir_from_gguf
    from litellm_ov_provider.registry.recast import recast

    spec = default_model_spec()
    ir_root = cache_dir() / "ir"
    q4 = ir_from_gguf(cached_model_file(spec), spec.file_sha256, ir_root / spec.file_sha256[:16])
    if fmt == "q4":
        return q4
    return recast(q4, fmt, ir_root / f"{spec.file_sha256[:16]}-{fmt}")


def child(fmt: str, hints: str, tokens: int, seed: int) -> None:
    pipe = pipeline(model_path(fmt), properties(hints, detect()), {})
    one(pipe, 16, 0)
    runs = [one(pipe, tokens, seed * 10 + i) for i in range(3)]
    print(statistics.median(t for t, _ in runs), statistics.median(d for _, d in runs))


def run(fmt: str, hints: str, tokens: int, seed: int) -> tuple[float, float]:
    args = ["--child", fmt, hints, "--tokens", str(tokens), "--seed", str(seed)]
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{fmt}/{hints} failed:\n{out.stderr[-2000:]}")
    ttft, tps = out.stdout.strip().splitlines()[-1].split()
    return float(ttft), float(tps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--formats", nargs="*", default=list(FORMATS))
    ap.add_argument("--hints", nargs="*", default=list(HINTS))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child, args.tokens, args.seed)
        return
    for fmt in args.formats:
        model_path(fmt)  # built before anything is timed
    cands = [(f, h) for f in args.formats for h in args.hints]
    seen: dict[tuple[str, str], list[tuple[float, float]]] = {c: [] for c in cands}
    for r in range(args.rounds):
        for cand in cands[r % len(cands) :] + cands[: r % len(cands)]:
            seen[cand].append(run(*cand, args.tokens, r + 1))
        print(f"round {r + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    report(seen, args.json)


def report(seen: dict[tuple[str, str], list[tuple[float, float]]], as_json: bool) -> None:
    cpu = detect()
    chosen = choose(cpu, FORMATS)
    med = {
        c: (statistics.median(t for t, _ in v), statistics.median(d for _, d in v))
        for c, v in seen.items()
    }
    best = max(med, key=lambda c: med[c][1])
    rows: list[dict[str, Any]] = [
        {
            "format": f,
            "hints": h,
            "ttft_ms": round(t * 1000, 1),
            "decode_tps": round(d, 1),
            "vs_best": round(d / med[best][1], 3),
            "chosen": (f, h) == (chosen.weight_format, chosen.hints),
        }
        for (f, h), (t, d) in sorted(med.items(), key=lambda kv: -kv[1][1])
    ]
    if as_json:
        print(json.dumps({"cpu": cpu.summary(), "choice": chosen.why, "rows": rows}, indent=2))
        return
    print(
        f"CPU: {cpu.summary()}\nnode's choice: {chosen.weight_format}/{chosen.hints} ({chosen.why})"
    )
    print("| format | hints | TTFT ms | decode tok/s | decode vs fastest | |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        mark = "node's choice" if row["chosen"] else ""
        print(
            f"| {row['format']} | {row['hints']} | {row['ttft_ms']} | {row['decode_tps']} | "
            f"{row['vs_best']:.2f}x | {mark} |"
        )


if __name__ == "__main__":
    main()
