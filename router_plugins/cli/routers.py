"""`ov-board train` and `ov-board eval`: a learned router from labelled prompts, and
any board's routing measured on a labelled file (JSONL {"prompt", "label"})."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import openai

from litellm_ov_provider import node

from ..board.calls import CallFailed
from ..board.config import parse
from ..board.config_file import model_list
from ..board.plugins import Strategy, allowlist, load
from ..builtin.semantic import specialist_texts
from ..context import Board
from ..errors import BoardConfigError
from ..routing import learned
from ..routing.evaluate import both_opinions, decisions
from ..routing.labelled import LabelledFileError, read_labelled
from ..routing.measure import best_margin, score, sweep
from ..types import Specialist
from ..validation import validated
from .calibrate import api_key
from .config_write import write_board_param
from .http_caller import HttpCaller
from .router_tables import eval_text, sweep_text

MARGINS = [round(0.005 * i, 3) for i in range(0, 41)]  # 0 .. 0.2


def add_parsers(sub: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default="http://127.0.0.1:4000/v1", help="the proxy's /v1")
    common.add_argument("--key", help="API key (default: LITELLM_MASTER_KEY or the stored key)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    train = sub.add_parser(
        "train", parents=[common], help="fit a learned router on labelled prompts"
    )
    train.add_argument("--data", type=Path, required=True, help='JSONL: {"prompt", "label"} lines')
    train.add_argument("--embedding-model", required=True, help="a proxy embedding model")
    train.add_argument("--out", type=Path, required=True, help="the router file to write")
    train.add_argument("--config", type=Path, help="with --board: learn its specialists too")
    train.add_argument(
        "--board", help="its examples and descriptions join the data; labels must be its names"
    )
    ev = sub.add_parser(
        "eval", parents=[common], help="measure a board's routing on a labelled file"
    )
    ev.add_argument("config", type=Path, help="the proxy config declaring the board")
    ev.add_argument("--board", required=True, help="the board's model name")
    ev.add_argument("--data", type=Path, required=True, help='JSONL: {"prompt", "label"} lines')
    ev.add_argument("--write", action="store_true", help="hybrid: write the chosen margin")


def _client(args: argparse.Namespace) -> HttpCaller:
    client = openai.AsyncOpenAI(
        base_url=args.url, api_key=api_key(args.key), max_retries=1, timeout=300
    )
    return HttpCaller(client)


def training_rows(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The file's (prompt, label) pairs and, with --board, each specialist's examples,
    description and the topics it lists (measured: +4 points on the routing set)."""
    if bool(args.config) != bool(args.board):
        raise SystemExit("--config and --board go together")
    if not args.board:
        return [(r.prompt, r.label) for r in read_labelled(args.data)]
    specialists = specialists_of(args.config, args.board)
    rows = [(r.prompt, r.label) for r in read_labelled(args.data, [s.name for s in specialists])]
    seen = {learned.prompt_hash(p) for p, _ in rows}
    for s in specialists:
        for text in specialist_texts(s, True):
            if learned.prompt_hash(text) not in seen:
                seen.add(learned.prompt_hash(text))
                rows.append((text, s.name))
    return rows


def train(args: argparse.Namespace) -> int:
    rows = training_rows(args)
    caller = _client(args)

    async def vectors() -> tuple[list[list[float]], list[list[float]]]:
        texts = [learned.embeddable(p) for p, _ in rows]
        found: list[list[float]] = []
        for i in range(0, len(texts), 64):
            found += await caller.embed(args.embedding_model, texts[i : i + 64])
        return found, await caller.embed(args.embedding_model, learned.PROBES)

    found, probes = asyncio.run(vectors())
    router = learned.fit(
        found, [label for _, label in rows], args.embedding_model, probes, [p for p, _ in rows]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    learned.save(router, args.out)
    summary = {
        "file": str(args.out.resolve()),
        "labels": list(router.labels),
        "trained_on": len(rows),
    }
    print(
        json.dumps(summary, indent=2)
        if args.json
        else f"{args.out}: {len(rows)} prompts, labels {', '.join(router.labels)}"
    )
    return 0


def declaration(config: Path, name: str) -> Any:
    learned.use_config_dir(config.resolve().parent)
    for entry in model_list(config):
        if entry.get("model_name") == name and node.is_board(entry):
            return node.board_declaration(entry)
    raise BoardConfigError(f"no board {name!r} in {config} or the files it includes")


def specialists_of(config: Path, name: str) -> list[Specialist]:
    """The board's specialists as declared (its strategy is not checked: a learned
    board's file is what training is about to write)."""
    cfg = parse(name, declaration(config, name))
    return [
        Specialist(s.name or s.model, s.model, s.description, tuple(s.examples))
        for s in cfg.specialists
    ]


def board_of(config: Path, name: str) -> tuple[Board, Strategy]:
    return validated(name, declaration(config, name), load(allowlist()))


def evaluate(args: argparse.Namespace) -> int:
    board, strategy = board_of(args.config, args.board)
    if args.write and board.strategy != "hybrid":
        raise SystemExit("--write is for hybrid boards (their margin)")
    names = [s.name for s in board.specialists]
    rows = read_labelled(args.data, labels=names)
    caller = _client(args)
    found = asyncio.run(decisions(board, strategy, caller, rows))
    result: dict[str, Any] = {"board": board.name, "strategy": board.strategy}
    result["scores"] = score(found, names).as_dict()
    if board.strategy == "hybrid":
        table = sweep(asyncio.run(both_opinions(board, strategy, caller, rows)), MARGINS)
        chosen = best_margin(table)
        result["sweep"] = [vars(r) for r in table]
        result["chosen_margin"] = chosen.margin
        if args.write:
            write_board_param(args.config, board.name, "hybrid", "margin", chosen.margin)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        eval_text(result)
        if "sweep" in result:
            sweep_text(result, args.config if args.write else None)
    return 0


def main(args: argparse.Namespace) -> int:
    try:
        return train(args) if args.command == "train" else evaluate(args)
    except (LabelledFileError, learned.LearnedRouterError, BoardConfigError) as exc:
        print(f"ov-board {args.command}: {exc}")
        return 2
    except CallFailed as exc:  # no proxy at --url, a model it does not serve
        status = f" (status {exc.status})" if exc.status else ""
        print(f"ov-board {args.command}: a call to {args.url} failed{status}: {exc}")
        return 2
