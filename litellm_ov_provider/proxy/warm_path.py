"""The front door's own first request: once a pinned model is loaded, one unary and
one streamed request go to this proxy over loopback with its master key, so the
first client finds LiteLLM's request path warm too (its first request paid ~300 ms of
first-time work: imports, clients, auth caches)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

import httpx

from ..keys import is_loopback
from ..ops.launch import cli_host, cli_port
from . import internals

log = logging.getLogger(__name__)
WARM_BODY = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}


def own_url() -> str:
    host = cli_host(sys.argv, os.environ) or "127.0.0.1"
    if host in ("0.0.0.0", "::") or is_loopback(host):  # noqa: S104 - we connect, not listen
        host = "127.0.0.1"
    return f"http://{host}:{cli_port(sys.argv, os.environ)}"


async def through_front_door(model: str, attempts: int = 120) -> None:
    """One unary and one streamed request for `model` to this proxy (waiting up to a
    minute for it to listen); a failure is logged and never fatal."""
    headers = {"Authorization": f"Bearer {internals.master_key() or ''}"}
    async with httpx.AsyncClient(base_url=own_url(), headers=headers, timeout=60) as http:
        for _ in range(attempts):
            try:
                await http.get("/health/liveliness")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.5)
        try:
            await http.get("/v1/models")
            for stream in (False, True):
                body = {**WARM_BODY, "model": model, "stream": stream}
                (await http.post("/v1/chat/completions", json=body)).raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("warming the front door's request path for %s failed: %s", model, exc)
