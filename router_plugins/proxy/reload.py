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
from litellm_ov_provider.registry.catalog import file_stamp

from ..board import config
from ..board.config_file import model_list
from ..errors import BoardConfigError
from ..validation import validated
from .declarations import plugins

log = logging.getLogger("router_plugins")
POLL_SECONDS = 2.0


def board_entries(path: Path, read: list[Path] | None = None) -> list[dict[str, Any]]:
    """The board entries of the config at `path` (BoardConfigError: unreadable);
    `read` is told each file read."""
    return [e for e in model_list(path, read=read) if node.is_board(e)]


Stamps = dict[Path, Any]


def entries_if_changed(path: Path, stamps: Stamps) -> list[dict[str, Any]] | None:
    """The board entries when a file of the config (or one it includes) changed since
    `stamps` were taken, else None (nothing parsed); `stamps` follows what was read."""
    if stamps and all(file_stamp(p) == s for p, s in stamps.items()):
        return None
    stamps.clear()
    read: list[Path] = []
    try:
        return board_entries(path, read)
    finally:
        stamps.update({p: file_stamp(p) for p in read})


def problems_of(entries: list[dict[str, Any]]) -> list[str]:
    """Every problem of these boards as a set (each board's checks, then loops, then
    whether LiteLLM takes each as a deployment)."""
    problems: list[str] = []
    for entry in entries:
        name = entry.get("model_name")
        if not isinstance(name, str) or not name:
            problems.append(f"a board entry has no model_name: {entry.get('litellm_params')}")
            continue
        try:
            validated(name, node.board_declaration(entry), plugins(name))
        except BoardConfigError as exc:
            problems += [f"board {name!r}: {p}" for p in exc.problems]
    if problems:
        return sorted(set(problems))
    graph = config.board_graph(entries)
    for name in sorted({str(e.get("model_name")) for e in entries}):
        try:
            config.check_no_loop(name, graph)
        except BoardConfigError as exc:
            problems.append(exc.message)
    return sorted(set(problems + _not_deployable(entries)))


def _not_deployable(entries: list[dict[str, Any]]) -> list[str]:
    """The boards LiteLLM would not take as deployments (e.g. `rpm: lots`)."""
    from litellm.types.router import Deployment

    problems = []
    for dep in board_deployments(entries):
        try:
            Deployment(**dep)
        except Exception as exc:  # pydantic's ValidationError, or worse
            problems.append(f"board {dep['model_name']!r}: {type(exc).__name__}: {exc}"[:300])
    return problems


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
        info = dep.get("model_info") or {}
        dep_id = str(info.get("id"))
        if is_board(dep) and not _owned_by_reload(dep_id) and not info.get("db_model"):
            internals.delete_owned(router, dep_id)  # the config's boards loaded at start
    apply(router, board_deployments(entries), lambda _: None, _owned_by_reload, "the config")
    internals.publish_model_list()


def fingerprint(entries: list[dict[str, Any]]) -> str:
    return json.dumps(entries, sort_keys=True, default=str)


async def watch_boards(path: Path, every: float = POLL_SECONDS) -> None:
    """Re-read `path` every `every` seconds; apply the boards when they changed."""
    stamps: Stamps = {}
    try:
        first = await asyncio.to_thread(entries_if_changed, path, stamps)
        last = fingerprint(first or [])
    except BoardConfigError:
        last = ""
    refused = ""
    while True:
        await asyncio.sleep(every)
        try:
            last, refused = await _round(path, last, refused, stamps)
        except Exception:  # never the end of the reload: the next edit is read again
            log.exception("board reload failed")


async def _round(path: Path, last: str, refused: str, stamps: Stamps) -> tuple[str, str]:
    """One look at the config file: (the fingerprint in service, the one refused)."""
    from .capabilities import publish

    try:
        entries = await asyncio.to_thread(entries_if_changed, path, stamps)
    except BoardConfigError as exc:
        if str(exc) != refused:
            log.error("boards not reloaded; the last good boards stay: %s", exc)
        return last, str(exc)
    if entries is None:  # no file of the config changed
        return last, refused
    now = fingerprint(entries)
    if now in (last, refused):
        return last, refused
    problems = await asyncio.to_thread(problems_of, entries)
    if problems:
        log.error(
            "boards not reloaded from %s; the last good boards stay: %s", path, "; ".join(problems)
        )
        return last, now
    replace_boards(entries)
    publish()
    names = sorted({str(e["model_name"]) for e in entries})
    log.info("boards reloaded from %s: %s", path, ", ".join(names) or "none")
    return now, ""
