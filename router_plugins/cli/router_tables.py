"""`ov-board eval`'s rich tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table


def eval_text(result: dict[str, Any]) -> None:
    from .main import console

    s = result["scores"]
    out = console()
    out.print(
        f"board {result['board']} ({result['strategy']}): {s['prompts']} prompts, "
        f"accuracy {s['accuracy']:.1%}; decision {s['ms_median']:.1f} ms median, "
        f"{s['ms_p90']:.1f} ms p90; router-model calls {s['router_calls']}, "
        f"tokens {s['router_tokens']}"
    )
    if s["decided_by"]:
        out.print("decided by: " + ", ".join(f"{k} {v}" for k, v in s["decided_by"].items()))
    if s["seen_in_training"]:
        lines = ", ".join(str(n) for n in s["seen_lines"][:20])
        out.print(
            f"[yellow]{s['seen_in_training']} prompts are also the board's examples or "
            f"training prompts (lines {lines}): this accuracy flatters it[/yellow]"
        )
    labels = list(s["confusion"])
    table = Table("label \\ picked", *labels, "recall", title="confusion")
    for label in labels:
        row = [str(s["confusion"][label].get(p, 0)) for p in labels]
        recall = s["recall"].get(label)
        table.add_row(label, *row, "-" if recall is None else f"{recall:.0%}")
    out.print(table)


def sweep_text(result: dict[str, Any], written: Path | None) -> None:
    from .main import console

    table = Table("margin", "accuracy", "router decides", "router tokens", title="hybrid sweep")
    for r in result["sweep"]:
        mark = " <" if r["margin"] == result["chosen_margin"] else ""
        table.add_row(
            f"{r['margin']:g}{mark}",
            f"{r['accuracy']:.1%}",
            f"{r['router_share']:.0%}",
            str(r["router_tokens"]),
        )
    out = console()
    out.print(table)
    out.print(
        f"chosen margin: {result['chosen_margin']:g}"
        + (f" (written into {written})" if written else "")
    )
