"""Work that starts with the proxy: checks at config load, and work that waits for
the router LiteLLM builds from the config."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from ..ops.launch import cli_host, exposure_problem
from . import internals

log = logging.getLogger(__name__)
_router_ready: asyncio.Task[Any] | None = None
_running: set[asyncio.Task[None]] = set()


def when_ready(work: Callable[[], Awaitable[None]], name: str) -> None:
    """Run `work` on the event loop once the proxy's router exists."""
    global _router_ready
    loop = asyncio.get_running_loop()
    if _router_ready is None or _router_ready.get_loop() is not loop:
        _router_ready = loop.create_task(internals.wait_for_router(), name="router-ready")
    ready = _router_ready

    async def run() -> None:
        await ready
        await work()

    task = loop.create_task(run(), name=name)
    _running.add(task)
    task.add_done_callback(_running.discard)


def refuse_weak_exposure() -> None:
    """Stop the proxy if it listens beyond loopback with a weak master key (a proxy
    started as plain `litellm --host ...`; ov-front-door checks before it starts)."""
    host = cli_host(sys.argv, os.environ)
    if host is not None and (problem := exposure_problem(host, internals.master_key())):
        log.critical("%s", problem)
        os._exit(2)  # the proxy catches exceptions from callbacks and would go on
