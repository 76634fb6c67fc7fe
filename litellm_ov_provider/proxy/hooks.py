"""Proxy glue: keeps the router's deployments equal to the registry.

Registered in the proxy config as `callbacks: ["litellm_ov_provider.proxy_hooks.registry_sync"]`.
Config loading runs inside the proxy's event loop, so the instance starts its own
background task there; the pre-call hook re-reads the registry for unknown names
before LiteLLM routes the request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from ..core.runtime import Runtime, freeze_startup_heap, get_runtime
from ..engine import metrics
from ..errors import RegistryError
from ..ops import lifecycle_api
from ..ops.launch import cli_host, exposure_problem
from ..registry.catalog import watch
from ..registry.entries import validate_name
from . import internals as litellm_proxy
from .front_door import install
from .provider import pop_retry_after
from .routes import alias_deployment, broken_deployment, deployment, is_registry_route, plan

log = logging.getLogger(__name__)


def desired_deployments(runtime: Runtime) -> list[dict[str, Any]]:
    """Deployments for the registry in service: one per servable model, and one per
    broken entry with a valid name (it answers 503 and says why)."""
    registry = runtime.catalog.registry
    out = [deployment(model, runtime.model_card(model)) for model in registry.models.values()]
    by_name = {d["model_name"]: d for d in out}
    out += [alias_deployment(family, by_name[v]) for family, v in registry.aliases.items()]
    for name, reason in registry.broken.items():
        try:
            validate_name(name)
        except RegistryError:
            continue  # never a route name
        out.append(broken_deployment(name, reason))
    return out


def apply(router: Any, desired: list[dict[str, Any]], retire: Callable[[str], None]) -> bool:
    """Bring the router in line with `desired` (on the event loop; no I/O); `retire`
    is told the names that left. True when the router changed."""
    from litellm.types.router import Deployment

    current = {d["model_info"]["id"]: d for d in router.get_model_list() or []}
    todo = plan(current, desired)
    for dep in todo.upserts:
        router.upsert_deployment(Deployment(**dep))
        log.info("route %s -> %s", dep["model_name"], dep["litellm_params"]["model"])
    for dep_id, name in zip(todo.deletes, todo.removed_names, strict=True):
        litellm_proxy.delete_owned(router, dep_id)
        retire(name)
        log.info("route %s removed (no longer in the registry)", name)
    return bool(todo.upserts or todo.deletes)


_sync_lock: asyncio.Lock | None = None
# Called after each registry sync, on the event loop (boards publish what their
# specialists support); node.on_routes_synced adds to it.
after_sync: list[Callable[[], None]] = []


async def sync_once(force: bool = False) -> None:
    """Re-read the registry and apply it; one sync at a time, so a request that
    missed its route never races the watcher that is already adding it."""
    global _sync_lock
    _sync_lock = _sync_lock or asyncio.Lock()
    async with _sync_lock:
        runtime = get_runtime()
        changed = await asyncio.to_thread(runtime.catalog.refresh)
        router = litellm_proxy.router()
        litellm_proxy.keep_deployments(router, is_registry_route)
        if changed or force:
            desired = await asyncio.to_thread(desired_deployments, runtime)
            if apply(router, desired, runtime.pool.retire):
                litellm_proxy.publish_model_list()  # /health and /model_group/info read it
        for listener in list(after_sync):
            try:
                listener()
            except Exception:  # another package's listener must not stop our routes
                log.exception("a registry-sync listener failed")


EMBEDDING_PARAMS = ("encoding_format", "dimensions", "keep_alive")


def carry_embedding_params(data: dict[str, Any]) -> None:
    """LiteLLM drops encoding_format/dimensions/keep_alive for custom providers before
    the handler sees them; carry them in the request metadata instead."""
    carried = {k: data.pop(k) for k in EMBEDDING_PARAMS if data.get(k) is not None}
    if carried:
        metadata = data.setdefault("metadata", {})
        metadata["openvino_params"] = carried


class RegistrySync(CustomLogger):
    """Background registry watcher plus reload-on-miss before routing."""

    def __init__(self) -> None:
        super().__init__()
        self._task: asyncio.Task[None] | None = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # imported outside the proxy: nothing to watch
        self._task = loop.create_task(self._serve_routes(), name="openvino-registry-sync")
        metrics.register(get_runtime)  # ov_* beside LiteLLM's own in its /metrics
        master_only = lifecycle_api.key_check(litellm_proxy.master_key)
        litellm_proxy.prepend_routes(lifecycle_api.build(get_runtime, master_only))
        self._resyncs: set[asyncio.Task[None]] = set()
        pool = get_runtime().pool
        pool.add_listener(self._resync)  # model_info.loaded follows the pool
        self._reaper = loop.create_task(pool.run_reaper(), name="openvino-idle-unload")

    def _resync(self) -> None:
        task = asyncio.get_running_loop().create_task(sync_once(force=True))
        self._resyncs.add(task)
        task.add_done_callback(self._resyncs.discard)

    async def _serve_routes(self) -> None:
        while litellm_proxy.router() is None:  # noqa: ASYNC110 - LiteLLM offers no "router ready" event
            await asyncio.sleep(0.1)
        refuse_weak_exposure()  # again: general_settings.master_key is in place by now
        runtime = get_runtime()
        while True:
            try:
                await sync_once(force=True)
                break
            except Exception:
                log.exception("registry sync failed; retrying")
                await asyncio.sleep(runtime.settings.registry_poll_seconds)
        freeze_startup_heap()
        apply_routes = partial(sync_once, force=True)
        await watch(runtime.catalog, runtime.settings.registry_poll_seconds, apply_routes)

    # Must be defined on this class itself: the proxy only calls hooks found in vars(cls).
    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any]:
        name = data.get("model")
        router = litellm_proxy.router()
        if isinstance(name, str) and router is not None and name not in router.get_model_names():
            await sync_once(force=True)
        catalog = get_runtime().catalog
        if isinstance(name, str) and (catalog.get(name) or catalog.broken(name)):
            # Our own retry covers a crashed worker (chat.py); a router retry would run
            # a stalled or refused request a second time.
            data["num_retries"] = 0
            if call_type == "aembedding":
                carry_embedding_params(data)
        return data

    async def async_post_call_response_headers_hook(
        self,
        data: dict[str, Any],
        user_api_key_dict: Any,
        response: Any,
        request_headers: dict[str, str] | None = None,
        litellm_call_info: Any = None,
    ) -> dict[str, str] | None:
        """Retry-After on a request our node refused as overloaded."""
        seconds = pop_retry_after(data.get("litellm_call_id"))
        return {"retry-after": str(seconds)} if seconds is not None else None


def refuse_weak_exposure() -> None:
    """Stop the proxy if it listens beyond loopback with a weak master key."""
    host = cli_host(sys.argv, os.environ)
    if host is not None and (problem := exposure_problem(host, litellm_proxy.master_key())):
        log.critical("%s", problem)
        os._exit(2)  # the proxy catches exceptions from callbacks and would go on


class FrontDoor(CustomLogger):
    """Puts the request guard (front_door.py) in front of the proxy's app. Registered
    first among the config's callbacks; does nothing outside a running proxy. A proxy
    started as `litellm --host <not loopback>` with a weak master key stops here (the
    check ov-front-door makes before starting it)."""

    def __init__(self) -> None:
        super().__init__()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        refuse_weak_exposure()  # the key from the environment, now
        install(litellm_proxy.app())


registry_sync = RegistrySync()
front_door = FrontDoor()
