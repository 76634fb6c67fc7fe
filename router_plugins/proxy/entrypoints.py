"""The objects a proxy config names, made when LiteLLM's config loading asks for them
(`router_plugins.proxy.<name>`, resolved by proxy/__init__.py), never at import.

    litellm_settings:
      custom_provider_map:
        - {provider: board, custom_handler: router_plugins.proxy.board_llm}

Config loading runs inside the proxy's event loop: once the router exists, every
declared board is checked and the config file watched for board edits; after each
registry sync each board publishes what its members support. The proxy hooks
(retries, response headers) are the node's own (`litellm_ov_provider.proxy.node_hooks`).
"""

from __future__ import annotations

import asyncio
from functools import cache, partial
from typing import Any


@cache
def board_llm() -> Any:
    from litellm_ov_provider.proxy import internals
    from litellm_ov_provider.proxy.startup import when_ready
    from litellm_ov_provider.proxy.sync import on_routes_synced

    from ..routing.learned import use_config_dir
    from .capabilities import publish
    from .declarations import check_declared_boards
    from .provider import BoardLLM
    from .reload import watch_boards

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return BoardLLM()  # outside a running proxy: nothing to start
    when_ready(check_declared_boards, name="board-check")
    if (path := internals.config_path()) is not None:
        use_config_dir(path.resolve().parent)  # where a learned router's file is named from
        when_ready(partial(watch_boards, path), name="board-reload")
    on_routes_synced(publish)
    return BoardLLM()


def resolve(name: str) -> Any:
    if name != "board_llm":
        raise AttributeError(name)
    return board_llm()
