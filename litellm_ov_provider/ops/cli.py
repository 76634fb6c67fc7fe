"""`ov-llm`: the loaded models of a running front door (or ov-llm-server), as Ollama's
CLI shows them, and loading or unloading one.

    ov-llm ps                          # name, device, memory, in flight, idle, unloads
    ov-llm load NAME [--keep-alive 5m] # load (warm) now
    ov-llm unload NAME                 # unload once its requests finish

`--url` (default $OV_URL, else http://127.0.0.1:4000) and `--key` (default: for
another URL $OV_API_KEY; for a server on this machine $LITELLM_MASTER_KEY, else the key
`make run` stored; the master key is never sent to another machine unasked).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from rich.console import Console
from rich.table import Table

from ..keys import is_loopback, stored_master_key

DEFAULT_URL = "http://127.0.0.1:4000"


def _key(given: str | None, url: str) -> str:
    """--key; else $OV_API_KEY for a node; else the front door's master key, but only
    for a server on this machine: an admin key is never sent elsewhere unasked."""
    if given:
        return given
    if os.environ.get("OV_API_KEY") and url != DEFAULT_URL:
        return os.environ["OV_API_KEY"]
    if not is_loopback(urlsplit(url).hostname or ""):
        return ""
    return stored_master_key() or ""


def _size(n: Any) -> str:
    if not isinstance(n, int | float):
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return "-"


def table(models: list[dict[str, Any]]) -> Table:
    why = [f"{m['model']}: {m['tuning']}" for m in models if m.get("tuning")]
    t = Table(
        "NAME",
        "DEVICE",
        "MEMORY",
        "IN FLIGHT",
        "IDLE",
        "UNLOADS",
        box=None,
        caption="\n".join(why) or None,
        caption_justify="left",
    )
    for m in models:
        idle = "-" if m.get("in_flight") else f"{m.get('idle_seconds', 0):.0f} s"
        t.add_row(
            m["model"],
            str(m.get("device")),
            _size(m.get("memory_bytes")),
            str(m.get("in_flight", 0)),
            idle,
            str(m.get("unloads")),
        )
    return t


def nodes_table(nodes: list[dict[str, Any]]) -> Table:
    """A front door's other nodes: whether each answers, and what it serves."""
    t = Table("NODE", "URL", "STATUS", "MODELS", "SINCE", box=None)
    now = time.time()
    for n in nodes:
        status = str(n.get("status"))
        if n.get("error"):
            status += f" ({n['error']})"
        since = n.get("since")
        ago = f"{now - since:.0f} s ago" if isinstance(since, int | float) and since else "-"
        t.add_row(
            str(n.get("node")),
            str(n.get("url")),
            status,
            ", ".join(n.get("models") or []) or "-",
            ago,
        )
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ov-llm", description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=os.environ.get("OV_URL", DEFAULT_URL))
    ap.add_argument("--key", default=None)
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("ps", help="list loaded models")
    load = sub.add_parser("load", help="load (warm) a model now")
    load.add_argument("model")
    load.add_argument("--keep-alive", default=None, help='seconds or "5m"; -1: never unload')
    unload = sub.add_parser("unload", help="unload a model once its requests finish")
    unload.add_argument("model")
    args = ap.parse_args(argv)
    headers = {"Authorization": f"Bearer {_key(args.key, args.url)}"}
    console = Console()
    try:
        with httpx.Client(base_url=args.url, headers=headers, timeout=900) as http:
            if args.command == "ps":
                r = http.get("/ov/ps")
            elif args.command == "load":
                body: dict[str, Any] = {"model": args.model}
                if args.keep_alive is not None:
                    body["keep_alive"] = args.keep_alive
                r = http.post("/ov/load", json=body)
            else:
                r = http.post("/ov/unload", json={"model": args.model})
    except httpx.HTTPError as exc:
        print(f"ov-llm: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 1
    data = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    if r.status_code != 200:
        message = (data.get("error") or {}).get("message") if isinstance(data, dict) else None
        print(f"ov-llm: {r.status_code}: {message or r.text[:300]}", file=sys.stderr)
        return 1
    if args.command == "unload":
        state = "unloading" if data.get("unloaded") else "was not loaded"
        console.print(f"{args.model}: {state}")
    else:
        console.print(table(data.get("models", [])))
        if args.command == "ps" and data.get("nodes"):
            console.print()
            console.print(nodes_table(data["nodes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
