"""Boards follow their config file: the proxy's config (and what it `include:`s) is
re-read when it changes, and the boards it declares replace those in service, all
together, once every one of them holds up. An edit that does not (bad YAML, a board
that fails its checks, a loop) changes nothing: the last good boards stay, and the log
says why, once per edit."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from litellm_ov_provider import node
from litellm_ov_provider.proxy import internals
from litellm_ov_provider.proxy.deployments import BOARD_ID_PREFIX, is_board
from litellm_ov_provider.proxy.routes import LOCAL_ALLOWED_FAILS
from litellm_ov_provider.proxy.sync import apply

from ..board import config
from ..board.config_file import model_list
from ..errors import BoardConfigError
from ..validation import validated
from .declarations import plugins

log = logging.getLogger("router_plugins")
POLL_SECONDS = 2.0


def board_entries(path: Path) -> list[dict[str, Any]]:
    """The board entries of the config at `path` (BoardConfigError: unreadable)."""
    return [e for e in model_list(path) if node.is_board(e)]


def problems_of(entries: list[dict[str, Any]]) -> list[str]:
    """Every problem of these boards as a set (each board's checks, then loops)."""
    problems: list[str] = []
    for entry in entries:
        name = str(entry.get("model_name"))
        try:
            validated(name, node.board_declaration(entry), plugins(name))
        except BoardConfigError as exc:
            problems += [f"board {name!r}: {p}" for p in exc.problems]
    graph = config.board_graph(entries)
    for name in sorted({str(e.get("model_name")) for e in entries}):
        try:
            config.check_no_loop(name, graph)
        except BoardConfigError as exc:
            problems.append(exc.message)
    return sorted(set(problems))


def board_deployments(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Router deployments for these entries, with ids the reload owns."""
    out = []
    for i, entry in enumerate(entries):
        info = {"allowed_fails": LOCAL_ALLOWED_FAILS, **(entry.get("model_info") or {})}
        info["id"] = f"{BOARD_ID_PREFIX}{entry['model_name']}:{i}"
        params = dict(entry.get("litellm_params") or {})
        out.append(
            {"model_name": str(entry["model_name"]), "litellm_params": params, "model_info": info}
        )
    return out


def _owned_by_reload(dep_id: str) -> bool:
    return dep_id.startswith(BOARD_ID_PREFIX)


def replace_boards(entries: list[dict[str, Any]]) -> None:
    """Put these boards in service in place of every board the router has (on the event
    loop, no I/O)."""
    router = internals.router()
    if router is None:
        return
    for dep in internals.deployments():
        dep_id = str((dep.get("model_info") or {}).get("id"))
        if is_board(dep) and not _owned_by_reload(dep_id):
            internals.delete_owned(router, dep_id)  # the boards loaded at start
    apply(router, board_deployments(entries), lambda _: None, _owned_by_reload, "the config")
    internals.publish_model_list()


def fingerprint(entries: list[dict[str, Any]]) -> str:
    return json.dumps(entries, sort_keys=True, default=str)


async def watch_boards(path: Path, every: float = POLL_SECONDS) -> None:
    """Re-read `path` every `every` seconds; apply the boards when they changed."""
    from .capabilities import publish

    try:
        last = fingerprint(await asyncio.to_thread(board_entries, path))
    except BoardConfigError:
        last = ""
    refused = ""
    while True:
        await asyncio.sleep(every)
        try:
            entries = await asyncio.to_thread(board_entries, path)
        except BoardConfigError as exc:
            if str(exc) != refused:
                refused = str(exc)
                log.error("boards not reloaded; the last good boards stay: %s", exc)
            continue
        now = fingerprint(entries)
        if now in (last, refused):
            continue
        problems = await asyncio.to_thread(problems_of, entries)
        if problems:
            refused = now
            log.error(
                "boards not reloaded from %s; the last good boards stay: %s",
                path,
                "; ".join(problems),
            )
            continue
        replace_boards(entries)
        publish()
        last, refused = now, ""
        names = sorted({str(e["model_name"]) for e in entries})
        log.info("boards reloaded from %s: %s", path, ", ".join(names) or "none")
