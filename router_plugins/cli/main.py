"""`ov-board`: what the board layer has loaded, and whether a config's boards hold up.

    ov-board plugins                       # plugin, source, hooks, strategies
    ov-board check config/litellm.yaml     # every board: strategy, params, loops, models
    ov-board calibrate --fast M --strong M --set questions.json   # the cascade's threshold
    ov-board train --data labelled.jsonl --embedding-model M --out router.json
    ov-board eval config/litellm.yaml --board board/x --data labelled.jsonl [--write]
All take --json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from litellm_ov_provider import node

from ..board import config
from ..board.config_file import model_list
from ..board.plugins import Plugins, allowlist, describe, load
from ..errors import BoardConfigError, PluginError
from ..routing.learned import use_config_dir
from ..validation import checked
from . import calibrate as calibrate_cli
from . import routers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ov-board", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    plugins = sub.add_parser("plugins", help="list the loaded plugins, their hooks and strategies")
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    check = sub.add_parser("check", help="check the boards declared in a proxy config")
    check.add_argument("config", type=Path, help="a LiteLLM proxy config (YAML)")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    calibrate_cli.add_parser(sub)
    routers.add_parsers(sub)
    args = parser.parse_args(argv)
    if args.command == "calibrate":
        return calibrate_cli.main(args)
    if args.command in ("train", "eval"):
        return routers.main(args)

    try:
        loaded = load(allowlist())
        if args.command == "plugins":
            return _show_plugins(describe(loaded), args.json)
        return _show_checks(check_config(args.config, loaded, _registry_names()), args.json)
    except (PluginError, BoardConfigError) as exc:
        print(f"ov-board: {exc}", file=sys.stderr)
        return 1


def check_config(path: Path, plugins: Plugins, known: set[str]) -> list[dict[str, Any]]:
    """One row per board in the config at `path` (and the files it includes): ok, or
    what is wrong. `known` are model names served outside the config (the registry's).
    A config without any board is an error: the wrong file was named."""
    use_config_dir(path.resolve().parent)
    entries = model_list(path)
    names = {str(e.get("model_name")) for e in entries} | known
    graph = config.board_graph(entries)
    rows = []
    for entry in entries:
        if not node.is_board(entry):
            continue
        name = str(entry.get("model_name"))
        raw = node.board_declaration(entry)
        problems: list[str] = []
        missing: list[str] = []
        try:
            cfg = config.parse(name, raw)
            missing = sorted(config.targets(cfg) - names)
            checked(name, cfg, plugins)
        except BoardConfigError as exc:
            problems += exc.problems
        try:
            config.check_no_loop(name, graph)
        except BoardConfigError as exc:
            problems.append(exc.message)
        row: dict[str, Any] = {"board": name, "ok": not problems, "problems": problems}
        row["strategy"] = raw.get("strategy", "-") if isinstance(raw, dict) else "-"
        row["warnings"] = [f"{m!r} is neither in model_list nor in the registry" for m in missing]
        rows.append(row)
    if not rows:
        raise BoardConfigError(f"no boards in {path} or the files it includes")
    return rows


def _registry_names() -> set[str]:
    """The registry's model names (served as routes at run time), if it is readable."""
    return node.registry_names()


def _show_checks(rows: list[dict[str, Any]], as_json: bool) -> int:
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        table = Table(title="boards")
        for column in ("board", "strategy", "status"):
            table.add_column(column, overflow="fold")
        for row in rows:
            lines = [f"[red]{escape(p)}[/red]" for p in row["problems"]] or ["ok"]
            lines += [f"[yellow]warning: {escape(w)}[/yellow]" for w in row["warnings"]]
            table.add_row(escape(row["board"]), escape(str(row["strategy"])), "\n".join(lines))
        console().print(table)
    return 0 if all(r["ok"] for r in rows) else 1


def _show_plugins(rows: list[dict[str, Any]], as_json: bool) -> int:
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(title="board plugins")
    for column in ("plugin", "source", "hooks", "strategy", "strategy hooks", "description"):
        table.add_column(column)
    for row in rows:
        strategies = row["strategies"] or [{"name": "-", "hooks": [], "description": ""}]
        for i, s in enumerate(strategies):
            table.add_row(
                row["plugin"] if i == 0 else "",
                row["source"] if i == 0 else "",
                ", ".join(row["hooks"]) if i == 0 else "",
                s["name"],
                ", ".join(s["hooks"]) or "(defaults)",
                s["description"],
            )
    console().print(table)
    return 0


def console() -> Console:
    """A terminal's width on a terminal; piped or redirected, wide enough that no name
    or problem is cut (rich would squeeze every table into 80 columns)."""
    found = Console()
    return found if found.is_terminal else Console(width=400, soft_wrap=True)


if __name__ == "__main__":
    raise SystemExit(main())
