"""The boards the proxy's router declares: the one module that reads them.

A board's declaration (the `board:` block of its model_list entry) is read from the
router's deployment, never from a call's parameters; built boards are kept in a
bounded cache; loops are checked against every board the router knows, and against
the boards the current task is already inside.
"""

from __future__ import annotations

import contextvars
import json
import logging
from typing import Any

from litellm_ov_provider import node
from litellm_ov_provider.proxy import internals

from ..board import config
from ..board.plugins import Plugins, Strategy, installed
from ..context import Board
from ..errors import BoardConfigError, BoardLoop, PluginError
from ..validation import validated

log = logging.getLogger("router_plugins")
# The boards this task is already inside: a board reached again through a strategy's
# own calls is a loop even when the declarations do not show it.
inside: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("board_path", default=())
# Built boards by declaration, least recently used out: a config reload leaves stale
# entries behind, and they must not pile up.
_boards: node.Lru[str, tuple[Board, Strategy]] = node.Lru(128)


def declared(name: str | None = None) -> list[dict[str, Any]]:
    """The router's board deployments that carry a declaration (of one model name)."""
    return [d for d in internals.deployments(name) if node.board_declaration(d) is not None]


def declaration(name: str, litellm_params: dict[str, Any] | None) -> Any:
    """The `board:` block of the deployment LiteLLM routed this call to, read from the
    router, never from the call's parameters: LiteLLM merges a request body over a
    deployment's litellm_params, so those could come from the client."""
    info = (litellm_params or {}).get("model_info")
    wanted = info.get("id") if isinstance(info, dict) else None
    boards = declared(name)
    chosen = next((d for d in boards if (d.get("model_info") or {}).get("id") == wanted), None)
    chosen = chosen or (boards[0] if boards else None)
    if chosen is None:
        raise BoardConfigError(f"board {name!r} is not declared in the proxy config")
    return node.board_declaration(chosen)


def board_for(name: str, raw: Any) -> tuple[Board, Strategy]:
    """The board for this declaration (built once per declaration), loop-checked
    against every board the router knows now."""
    key = f"{name}\0{json.dumps(raw, sort_keys=True, default=str)}"
    if key not in _boards:
        _boards.put(key, validated(name, raw, plugins(name)))
    config.check_no_loop(name, config.board_graph(declared()))
    if name in inside.get():
        raise BoardLoop(f"board {name!r} would call itself: {' -> '.join([*inside.get(), name])}")
    return _boards[key]


class ConfigErrorsWithoutTraceback(logging.Filter):
    """LiteLLM logs every 5xx with its traceback; an unusable board's 503 is a config
    error already explained in one line at startup, so its request logs one line too."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        seen = 0
        while error is not None and seen < 10:
            if isinstance(error, BoardConfigError):
                record.exc_info, record.exc_text = None, None
                break
            error, seen = error.__cause__ or error.__context__, seen + 1
        return True


def quiet_config_errors() -> None:
    """Install the filter on LiteLLM's proxy logger (once)."""
    proxy_log = internals.proxy_logger()
    if not any(isinstance(f, ConfigErrorsWithoutTraceback) for f in proxy_log.filters):
        proxy_log.addFilter(ConfigErrorsWithoutTraceback())


def plugins(board: str) -> Plugins:
    """The installed plugins; a plugin that cannot load makes every board unusable."""
    try:
        return installed()
    except PluginError as exc:
        raise BoardConfigError(f"board {board!r}: board plugins: {exc}") from None


def never_cooled_alone() -> None:
    """Give each board from the config LiteLLM's per-deployment cooldown threshold, as
    every route of ours has: a board alone under its name is then never cooled down
    (a specialist's 404 would otherwise turn the board's next requests into 429s)."""
    from litellm_ov_provider.proxy.routes import LOCAL_ALLOWED_FAILS

    for dep in declared():
        info = dep.get("model_info") or {}
        if "allowed_fails" not in info and isinstance(info.get("id"), str):
            internals.update_model_info(info["id"], {"allowed_fails": LOCAL_ALLOWED_FAILS})


async def check_declared_boards() -> None:
    """Once the router is up: load the plugins (a misspelt hook fails here), build and
    validate every declared board, and log each unusable one in one line."""
    node.setup_logging()
    quiet_config_errors()
    try:
        installed()
    except PluginError as exc:  # said once here; each board's request says it again
        log.error("board plugins failed to load; every board answers 503: %s", exc)
        return
    never_cooled_alone()
    names = sorted({str(d.get("model_name")) for d in declared()})
    for name in names:
        try:
            board_for(name, declaration(name, None))
        except BoardConfigError as exc:
            log.error(
                "board %s is unusable (its requests get 503) until the proxy config is "
                "fixed (`ov-board check <config>` lists every problem): %s",
                name,
                exc.message.removeprefix(f"board {name!r}: "),
            )
        except Exception as exc:  # a plugin's bug while checking: one line, its name
            log.error("board %s could not be checked: %s: %s", name, type(exc).__name__, exc)
    if names:
        log.info("boards declared: %s", ", ".join(names))
