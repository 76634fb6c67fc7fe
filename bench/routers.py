"""Every router on the routing set's held-out half, with the product's own commands.

bench/routing_set.json's 240 labelled prompts are split in two halves by position
(even lines train, odd lines are held out). On the real proxy (the default model and
all-MiniLM-L6-v2): `ov-board train` fits the learned router on the training half plus
the board's specialists (their examples, descriptions and the topics these list);
`ov-board eval --write` chooses the hybrid margin on the training half; then
`ov-board eval` measures on the held-out half: semantic, learned, router (the
default 135M model as router model) and hybrid (semantic + that router). Accuracy,
decision latency and router-model cost side by side. Not in CI.

    python bench/routers.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.board import convert_minilm
from testbed.boards import board_entry, semantic_specialists, write_config
from testbed.models import DEFAULT, default_registry
from testbed.proxy import KEY, start_proxy

SET = Path(__file__).with_name("routing_set.json")


def halves() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rows = json.loads(SET.read_text())["eval"]
    return rows[0::2], rows[1::2]


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(
        "".join(json.dumps({"prompt": r["prompt"], "label": r["label"]}) + "\n" for r in rows)
    )
    return path


def boards(root: Path) -> Path:
    specialists = semantic_specialists({}, DEFAULT)

    entries = [
        board_entry(
            "board/semantic",
            {
                "strategy": "semantic",
                "specialists": specialists,
                "params": {"embedding_model": "minilm-l6"},
            },
        ),
        board_entry(
            "board/learned",
            {
                "strategy": "learned",
                "specialists": specialists,
                "params": {"model_file": "learned.json", "embedding_model": "minilm-l6"},
            },
        ),
        board_entry(
            "board/router",
            {
                "strategy": "router",
                "specialists": specialists,
                "params": {"router_model": DEFAULT, "timeout_seconds": 10},
            },
        ),
        board_entry(
            "board/hybrid",
            {
                "strategy": "hybrid",
                "specialists": specialists,
                "params": {"embedding_model": "minilm-l6", "router_model": DEFAULT},
            },
        ),
    ]
    return write_config(root / "boards.yaml", entries)


def ov_board(*args: str, url: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "router_plugins", *args, "--url", url, "--key", KEY, "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(args[:1])} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ov-bench-routers-"))
    registry = root / "converted_models" / "registry.json"
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_text(json.dumps({"version": 1, "models": default_registry(root)}))
    convert_minilm(root, registry)
    proxy = start_proxy(root, json.loads(registry.read_text())["models"])
    url = f"{proxy.base_url}/v1"
    train, held_out = halves()
    config = boards(root)
    try:
        ov_board(
            "train",
            "--data",
            str(write_jsonl(root / "train.jsonl", train)),
            "--config",
            str(config),
            "--board",
            "board/learned",
            "--embedding-model",
            "minilm-l6",
            "--out",
            str(root / "learned.json"),
            url=url,
        )
        chosen = ov_board(
            "eval",
            str(config),
            "--board",
            "board/hybrid",
            "--data",
            str(write_jsonl(root / "train-half.jsonl", train)),
            "--write",
            url=url,
        )
        test = str(write_jsonl(root / "held-out.jsonl", held_out))
        results = {
            b: ov_board("eval", str(config), "--board", f"board/{b}", "--data", test, url=url)
            for b in ("semantic", "learned", "router", "hybrid")
        }
    finally:
        proxy.stop()
    results["hybrid"]["margin_from_training_half"] = chosen["chosen_margin"]
    report(results, len(held_out))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def report(results: dict[str, Any], n: int) -> None:
    from litellm_ov_provider.tuning.cpu import cpu_summary

    print(f"CPU: {cpu_summary()}; {n} held-out prompts of bench/routing_set.json")
    print("| router | accuracy | decision ms median | p90 | router-model calls | tokens |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        s = r["scores"]
        print(
            f"| {name} | {s['accuracy']:.1%} | {s['ms_median']:.1f} | {s['ms_p90']:.1f} | "
            f"{s['router_calls']} | {s['router_tokens']} |"
        )
    margin = results["hybrid"]["margin_from_training_half"]
    print(f"hybrid margin (chosen on the training half): {margin}")


if __name__ == "__main__":
    main()
