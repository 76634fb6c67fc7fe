"""Refinement strategies side by side with the single model, through the real proxy.

Every question of bench/cascade_set.json (checkable short answers) goes, greedy, to
the default model alone, to a `self_refine` board over it, to a `teacher_student`
board (student: the default model; teacher: a best_of_n board of three samples of
it, the only stronger thing offline) and to a `cascade` board (same pair, threshold
from `ov-board calibrate`'s rule on this run). Reported per strategy: accuracy,
median latency as a ratio to the single model, calls and tokens per request. Not in CI.

    python bench/refine.py [--limit 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from router_plugins.builtin.calibrate import Item, choose, correct, run
from testbed.boards import board_entry, write_config
from testbed.models import DEFAULT, default_registry
from testbed.proxy import KEY, start_proxy

SET = Path(__file__).with_name("cascade_set.json")
STRONG = "board/strong"


def boards(threshold: float) -> list[dict[str, Any]]:
    spec = [{"model": DEFAULT, "name": "smol"}]
    pair = [{"model": DEFAULT, "name": "student"}, {"model": STRONG, "name": "teacher"}]
    return [
        board_entry(
            STRONG,
            {"strategy": "best_of_n", "specialists": spec, "params": {"n": 3, "temperature": 0.7}},
        ),
        board_entry(
            "board/self_refine",
            {"strategy": "self_refine", "specialists": spec, "params": {"rounds": 2}},
        ),
        board_entry("board/teacher_student", {"strategy": "teacher_student", "specialists": pair}),
        board_entry(
            "board/cascade",
            {"strategy": "cascade", "specialists": pair, "params": {"min_mean_logprob": threshold}},
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=40)
    args = ap.parse_args()
    items = [Item(i["prompt"], i["answer"]) for i in json.loads(SET.read_text())["items"]]
    items = items[: args.limit]
    root = Path(tempfile.mkdtemp(prefix="ov-bench-refine-"))
    models = default_registry(root)
    config = write_config(root / "litellm.yaml", boards(-1.5))
    proxy = start_proxy(root, models, config=config)
    client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, timeout=600)
    try:
        chosen = choose(run(client, DEFAULT, STRONG, items, 16))
        print(
            f"calibrated cascade threshold {chosen.threshold} (keeps {chosen.kept_local:.0%} local)"
        )
        proxy.stop()
        config = write_config(root / "litellm.yaml", boards(chosen.threshold))
        proxy = start_proxy(root, models, config=config)
        client = openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, timeout=600)
        names = [DEFAULT, "board/self_refine", "board/teacher_student", "board/cascade", STRONG]
        rows = {n: {"ok": 0, "s": [], "calls": [], "tokens": []} for n in names}
        for n in names:  # warm
            client.chat.completions.create(
                model=n, messages=[{"role": "user", "content": "hi"}], max_tokens=2
            )
        for item in items:
            for n in names:
                start = time.perf_counter()
                done = client.chat.completions.create(
                    model=n,
                    messages=[{"role": "user", "content": item.prompt}],
                    max_tokens=48,
                    temperature=0,
                )
                r = rows[n]
                r["s"].append(time.perf_counter() - start)
                r["ok"] += correct(done.choices[0].message.content or "", item.answer)
                board = (done.model_extra or {}).get("board") or {}
                r["calls"].append(len(board.get("calls") or [None]))
                r["tokens"].append(done.usage.total_tokens if done.usage else 0)
    finally:
        proxy.stop()
    base = statistics.median(rows[DEFAULT]["s"])
    print(f"\n{len(items)} questions, greedy, max_tokens 48; latency as a ratio to {DEFAULT}")
    print(f"{'':24}{'right':>8}{'latency':>10}{'calls':>8}{'tokens':>9}")
    for n, r in rows.items():
        print(
            f"{n:24}{r['ok'] / len(items):8.0%}{statistics.median(r['s']) / base:9.2f}x"
            f"{statistics.mean(r['calls']):8.1f}{statistics.mean(r['tokens']):9.0f}"
        )


if __name__ == "__main__":
    main()
