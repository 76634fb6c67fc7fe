"""`ov-board calibrate`: run the set, print the chosen threshold, optionally write it
into a cascade board's params."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import openai

from litellm_ov_provider.keys import stored_master_key

from ..builtin.calibrate import Choice, Item, choose, run
from .config_write import write_board_param


def add_parser(sub: Any) -> None:
    cal = sub.add_parser(
        "calibrate", help="choose a cascade's min_mean_logprob from a labelled run"
    )
    cal.add_argument("--fast", required=True, help="the fast model (a proxy model name)")
    cal.add_argument("--strong", required=True, help="the strong model (a proxy model name)")
    cal.add_argument("--set", type=Path, required=True, help='JSON: [{"prompt", "answer"}, ...]')
    cal.add_argument("--url", default="http://127.0.0.1:4000/v1", help="the proxy's /v1")
    cal.add_argument("--key", help="API key (default: LITELLM_MASTER_KEY or the stored key)")
    cal.add_argument("--max-tokens", type=int, default=24)
    cal.add_argument("--tolerance", type=float, default=0.0, help="accuracy the cascade may lose")
    cal.add_argument("--write", type=Path, help="a proxy config to write the threshold into")
    cal.add_argument("--board", help="the cascade board to write it for (with --write)")
    cal.add_argument("--json", action="store_true", help="machine-readable output")


def api_key(given: str | None) -> str:
    """--key, else LITELLM_MASTER_KEY or the stored master key (every ov-board command
    that calls the proxy)."""
    found = given or stored_master_key()
    if not found:
        raise SystemExit("no API key: pass --key, or set LITELLM_MASTER_KEY")
    return found


def load_items(path: Path) -> list[Item]:
    raw = json.loads(path.read_text())
    rows = raw["items"] if isinstance(raw, dict) else raw
    return [Item(str(r["prompt"]), str(r["answer"])) for r in rows]


def write_threshold(config: Path, board: str, threshold: float) -> None:
    """Set `min_mean_logprob` in the named cascade board's params."""
    write_board_param(config, board, "cascade", "min_mean_logprob", threshold)


def main(args: argparse.Namespace) -> int:
    if args.write and not args.board:
        raise SystemExit("--write needs --board")
    client = openai.OpenAI(base_url=args.url, api_key=api_key(args.key), max_retries=1, timeout=300)
    trials = run(client, args.fast, args.strong, load_items(args.set), args.max_tokens)
    chosen = choose(trials, args.tolerance)
    if args.write:
        write_threshold(args.write, args.board, chosen.threshold)
    print(json.dumps(chosen.as_dict(), indent=2) if args.json else _text(chosen, args))
    return 0


def _text(c: Choice, args: argparse.Namespace) -> str:
    return (
        f"{c.questions} questions; fast {args.fast} alone {c.fast_accuracy:.0%} right, "
        f"strong {args.strong} alone {c.strong_accuracy:.0%}\n"
        f"min_mean_logprob: {c.threshold}  keeps {c.kept_local:.0%} on {args.fast}, "
        f"cascade {c.accuracy:.0%} right"
        + (f"\nwritten into {args.write} ({args.board})" if args.write else "")
    )
