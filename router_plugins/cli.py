"""`ov-board`: what the board layer has loaded.

ov-board plugins           # table: plugin, source, hooks, strategies
ov-board plugins --json
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from .errors import PluginError
from .plugins import allowlist, describe, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ov-board", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    plugins = sub.add_parser("plugins", help="list the loaded plugins, their hooks and strategies")
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)

    try:
        rows = describe(load(allowlist()))
    except PluginError as exc:
        print(f"ov-board: {exc}", file=sys.stderr)
        return 1
    if args.json:
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
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
