"""The state front doors share through LiteLLM: its Redis (REDIS_HOST, REDIS_PORT,
REDIS_PASSWORD or REDIS_URL), which LiteLLM takes at start for rpm/tpm limits, router
cooldowns and usage-based routing, and spend counters. /health says whether it is
configured, in use and reachable; losing and regaining it is logged once each."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from typing import Any

from . import internals

log = logging.getLogger(__name__)
PING_SECONDS = 5.0
# LiteLLM's breaker reopens after REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT (60 s) through
# one probe; past twice that with Redis answering, the probe never concluded.
STUCK_SECONDS = 2 * float(os.environ.get("REDIS_CIRCUIT_BREAKER_RECOVERY_TIMEOUT") or 60)
_status: dict[str, Any] = {}


def redis_target(env: Mapping[str, str]) -> dict[str, Any] | None:
    """How LiteLLM reaches Redis from the environment (None: no Redis configured)."""
    if env.get("REDIS_URL"):
        return {"url": env["REDIS_URL"]}
    if env.get("REDIS_HOST"):
        return {
            "host": env["REDIS_HOST"],
            "port": int(env.get("REDIS_PORT") or 6379),
            "password": env.get("REDIS_PASSWORD") or None,
            "username": env.get("REDIS_USERNAME") or None,
            "ssl": (env.get("REDIS_SSL") or "").lower() in ("1", "true", "yes"),
        }
    return None


def where(target: Mapping[str, Any]) -> str:
    """host:port, never a password (a URL's credentials are left out)."""
    if "url" in target:
        from urllib.parse import urlsplit

        parts = urlsplit(str(target["url"]))
        return f"{parts.hostname}:{parts.port or 6379}"
    return f"{target['host']}:{target['port']}"


def _in_use() -> bool:
    router = internals.router()
    cache = getattr(router, "cache", None)
    return getattr(cache, "redis_cache", None) is not None


def redis_health() -> dict[str, Any] | None:
    """What /health says about Redis; None when none is configured."""
    if not _status:
        return None
    status = {**_status, "in_use": _in_use(), "breakers": internals.redis_breaker_states()}
    if not status["in_use"]:
        status["note"] = (
            "LiteLLM did not take this Redis at start (it was unreachable then): limits and "
            "cooldowns are this front door's own; restart it to share them"
        )
    return status


async def _ping(client: Any) -> str | None:
    """None when Redis answers, else why not."""
    try:
        await asyncio.wait_for(client.ping(), timeout=2.0)
    except Exception as exc:  # any failure means unreachable
        return type(exc).__name__
    return None


async def watch_redis(every: float = PING_SECONDS) -> None:
    """Ping the configured Redis every `every` seconds, for /health and the log."""
    target = redis_target(os.environ)
    if target is None:
        return
    import redis.asyncio as aioredis

    kwargs = {"socket_timeout": 2.0, "socket_connect_timeout": 2.0}
    client = (
        aioredis.from_url(target["url"], **kwargs)
        if "url" in target
        else aioredis.Redis(**{**target, **kwargs})
    )
    _status.update(configured=True, at=where(target), reachable=None, since=time.time())
    open_since: float | None = None  # when a breaker of LiteLLM's was last seen closed
    try:
        while True:
            try:
                error = await _ping(client)
                was = _status.get("reachable")
                _went(error is None, error)
                stuck = set(internals.redis_breaker_states()) - {"closed"}
                open_since = (open_since or time.time()) if stuck else None
                # Redis came back, or a breaker stays open past LiteLLM's own recovery
                # time while Redis answers (a probe that never concluded).
                overdue = open_since is not None and time.time() - open_since > STUCK_SECONDS
                if error is None and (was is False or overdue):
                    closed = await internals.redis_came_back()
                    log.info(
                        "redis: LiteLLM's stale connections dropped, %d breakers closed", closed
                    )
                    open_since = None
            except Exception:  # never the end of the watch
                log.exception("redis health check failed")
            await asyncio.sleep(every)
    finally:
        await client.aclose()


def _went(reachable: bool, error: str | None) -> None:
    if reachable != _status.get("reachable"):
        _status["since"] = time.time()
        if reachable:
            log.info("redis at %s is reachable", _status["at"])
        elif _status.get("reachable") is not None or not _in_use():
            log.warning(
                "redis at %s is unreachable (%s): this front door keeps serving; rate "
                "limits and cooldowns count here only until it returns",
                _status["at"],
                error,
            )
    _status.update(reachable=reachable, error=error)
