"""Prompt lookup decoding against plain decoding, and against llama.cpp's n-gram
speculative decoding, on input-grounded prompts (bench/grounded_set.json).

One `ov-llm-server` serves the default model's IR under four registry entries:
plain and with `prompt_lookup` (5 candidates, 3-grams), each at the CPU's default
precision and with `engine` f32 properties (f32 math, KV cache, no dynamic
quantization). llama.cpp's `llama-server` runs the same GGUF twice: plain and with
`--spec-type ngram-simple` (3-grams, drafts of 8). Greedy (temperature 0), 128
tokens at most, one request at a time, rounds interleaved; tokens/s is completion
tokens over the whole request. Outputs of each pair are compared: identical, or
where they first differ. Then the same prompts all at once (a batch of 7), where
candidates cost more than they save. Not in CI.

    python bench/prompt_lookup.py [--rounds 3] [--tokens 128]
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
from typing import Any

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.peer import start_llama
from testbed.models import DEFAULT, default_registry
from testbed.node import start_node

SET = Path(__file__).with_name("grounded_set.json")
F32 = {"INFERENCE_PRECISION_HINT": "f32", "KV_CACHE_PRECISION": "f32"}
F32 |= {"DYNAMIC_QUANTIZATION_GROUP_SIZE": 0}
NGRAM = ("--spec-type", "ngram-simple", "--spec-ngram-simple-size-n", "3")
NGRAM += ("--spec-ngram-simple-size-m", "8")
PAIRS = (("plain", "lookup"), ("plain f32", "lookup f32"), ("llama", "llama ngram"))


def registry(root: Path) -> dict[str, Any]:
    base = default_registry(root)[DEFAULT]
    lookup = {"num_assistant_tokens": 5, "max_ngram_size": 3}
    return {
        "plain": base,
        "lookup": {**base, "prompt_lookup": lookup},
        "plain-f32": {**base, "engine": F32},
        "lookup-f32": {**base, "engine": F32, "prompt_lookup": lookup},
    }


async def ask(client: openai.AsyncOpenAI, model: str, prompt: str, tokens: int) -> dict[str, Any]:
    """Greedy; no repetition penalty (the default model's registry entry sets 1.1,
    which fights copying from the prompt; llama-server's default is 1.0)."""
    started = time.perf_counter()
    r = await client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
        max_tokens=tokens,
        temperature=0,
        extra_body={"repetition_penalty": 1.0} if model != DEFAULT else None,
    )
    took = time.perf_counter() - started
    used = r.usage.completion_tokens if r.usage else 0
    return {"tps": used / took, "text": r.choices[0].message.content or "", "tokens": used}


def first_difference(a: str, b: str) -> str:
    if a == b:
        return "identical"
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"differ at character {at}"


async def measure(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    prompts = json.loads(SET.read_text())["prompts"]
    models = registry(root)
    path = root / "node" / "registry.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "models": models}))
    node = start_node(path, root / "node.log", "k" * 40)
    gguf = Path(str(models["plain"]["gguf"]))
    llama, llama_proc = start_llama(gguf, root / "llama.log")
    ngram, ngram_proc = start_llama(gguf, root / "llama-ngram.log", NGRAM)
    ov = openai.AsyncOpenAI(base_url=f"{node.base_url}/v1", api_key=node.key, timeout=600)
    targets = {
        "plain": (ov, "plain"),
        "lookup": (ov, "lookup"),
        "plain f32": (ov, "plain-f32"),
        "lookup f32": (ov, "lookup-f32"),
        "llama": (llama, DEFAULT),
        "llama ngram": (ngram, DEFAULT),
    }
    try:
        for client, model in targets.values():  # load and warm each
            await ask(client, model, "hi", 4)
        seen: dict[str, dict[str, list[dict[str, Any]]]] = {t: {} for t in targets}
        for r in range(args.rounds):
            order = list(targets)[r % len(targets) :] + list(targets)[: r % len(targets)]
            for p in prompts:
                for name in order:
                    client, model = targets[name]
                    got = await ask(client, model, p["prompt"], args.tokens)
                    seen[name].setdefault(p["name"], []).append(got)
        batch = {}
        for name in ("plain", "lookup"):
            client, model = targets[name]
            started = time.perf_counter()
            runs = await asyncio.gather(
                *(ask(client, model, p["prompt"], args.tokens) for p in prompts)
            )
            batch[name] = sum(x["tokens"] for x in runs) / (time.perf_counter() - started)
    finally:
        node.stop()
        llama_proc.terminate()
        ngram_proc.terminate()
    return summarize(prompts, seen, batch)


def summarize(
    prompts: list[dict[str, Any]], seen: dict[str, Any], batch: dict[str, float]
) -> dict[str, Any]:
    rows = []
    for p in prompts:
        runs = {t: seen[t][p["name"]] for t in seen}
        row: dict[str, Any] = {"prompt": p["name"], "grounded": p["grounded"]}
        row |= {t: statistics.median(x["tps"] for x in v) for t, v in runs.items()}
        for a, b in PAIRS:
            row[f"{a} vs {b}"] = first_difference(runs[a][0]["text"], runs[b][0]["text"])
        rows.append(row)
    return {"rows": rows, "batch_tps": batch}


def report(result: dict[str, Any]) -> None:
    from litellm_ov_provider.tuning.cpu import cpu_summary

    rows = result["rows"]
    print(f"CPU: {cpu_summary()}; tokens/s per request (greedy), medians")
    head = ["prompt"] + [f"{x} | {y} | speedup" for x, y in PAIRS]
    print("| " + " | ".join(head) + " |")
    print("|---" * 10 + "|")
    for r in rows:
        cells = []
        for a, b in PAIRS:
            cells += [f"{r[a]:.1f}", f"{r[b]:.1f}", f"{r[b] / r[a]:.2f}x"]
        print(f"| {r['prompt']} | " + " | ".join(cells) + " |")
    grounded = [r for r in rows if r["grounded"]]
    for a, b in PAIRS:
        gain = statistics.median(r[b] / r[a] for r in grounded)
        same = sum(r[f"{a} vs {b}"] == "identical" for r in rows)
        print(f"{b} / {a}: median speedup on grounded prompts {gain:.2f}x; ", end="")
        print(f"greedy outputs identical {same}/{len(rows)}")
        for r in rows:
            if r[f"{a} vs {b}"] != "identical":
                print(f"  {r['prompt']}: {r[f'{a} vs {b}']}")
    bt = result["batch_tps"]
    ratio = bt["lookup"] / bt["plain"]
    print(f"all prompts at once: plain {bt['plain']:.1f} tok/s, lookup {bt['lookup']:.1f}", end="")
    print(f" ({ratio:.2f}x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(args, Path(tmp)))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    report(result)


if __name__ == "__main__":
    main()
