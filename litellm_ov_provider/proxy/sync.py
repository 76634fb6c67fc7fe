"""Route sync: keeps the proxy router's deployments equal to the registry in service.

A registry model becomes a route (a deployment whose id is ours), a family name a
route to its variant, a broken entry a route that answers 503 and says why. The
watcher applies every change of the registry file; a request for an unknown name
syncs first (the pre-call hook), so a model added a moment ago is served.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from ..core.cards import model_card
from ..core.runtime import Runtime, freeze_startup_heap, get_runtime
from ..errors import RegistryError
from ..registry.catalog import watch
from ..registry.entries import validate_name
from . import internals
from .deployments import is_owned, is_registry_route
from .routes import alias_deployment, broken_deployment, deployment, plan

log = logging.getLogger(__name__)
_lock: asyncio.Lock | None = None
# Called after each sync, on the event loop (boards publish what their specialists
# support); `on_routes_synced` adds to it.
_listeners: list[Callable[[], None]] = []


def desired_deployments(runtime: Runtime) -> list[dict[str, Any]]:
    """Deployments for the registry in service: one per servable model, and one per
    broken entry with a valid name (it answers 503 and says why)."""
    registry = runtime.catalog.registry
    out = [deployment(model, model_card(runtime, model)) for model in registry.models.values()]
    by_name = {d["model_name"]: d for d in out}
    out += [alias_deployment(family, by_name[v]) for family, v in registry.aliases.items()]
    for name, reason in registry.broken.items():
        try:
            validate_name(name)
        except RegistryError:
            continue  # never a route name
        out.append(broken_deployment(name, reason))
    return out


def apply(
    router: Any,
    desired: list[dict[str, Any]],
    retire: Callable[[str], None],
    owned: Callable[[str], bool] = is_registry_route,
    source: str = "the registry",
) -> bool:
    """Bring the router's deployments that `owned` claims in line with `desired` (on
    the event loop; no I/O); `retire` is told the names that left. True when the
    router changed."""
    from litellm.types.router import Deployment

    current = {d["model_info"]["id"]: d for d in router.get_model_list() or []}
    todo = plan(current, desired, owned)
    for dep in todo.upserts:
        router.upsert_deployment(Deployment(**dep))
        where = dep["litellm_params"].get("api_base") or dep["litellm_params"]["model"]
        log.info("route %s -> %s", dep["model_name"], where)
    for dep_id, name in zip(todo.deletes, todo.removed_names, strict=True):
        internals.delete_owned(router, dep_id)
        retire(name)
        log.info("route %s removed (no longer in %s)", name, source)
    return bool(todo.upserts or todo.deletes)


def on_routes_synced(listener: Callable[[], None]) -> None:
    """Call `listener` (on the event loop) after each sync."""
    if listener not in _listeners:
        _listeners.append(listener)


async def sync_once(force: bool = False) -> None:
    """Re-read the registry and apply it; one sync at a time, so a request that
    missed its route never races the watcher that is already adding it."""
    global _lock
    _lock = _lock or asyncio.Lock()
    async with _lock:
        runtime = get_runtime()
        changed = await asyncio.to_thread(runtime.catalog.refresh)
        router = internals.router()
        internals.keep_deployments(router, is_owned)
        if changed or force:
            desired = await asyncio.to_thread(desired_deployments, runtime)
            if apply(router, desired, runtime.pool.retire):
                internals.publish_model_list()  # /health and /model_group/info read it
        notify_synced()


def notify_synced() -> None:
    """Tell the listeners the routes changed (on the event loop)."""
    for listener in list(_listeners):
        try:
            listener()
        except Exception:  # another package's listener must not stop our routes
            log.exception("a route-sync listener failed")


async def ensure_route(model: str) -> bool:
    """Whether the router knows `model`, after a sync if it did not (a model added to
    the registry a moment ago)."""
    router = internals.router()
    if router is None:
        return False
    if model not in router.get_model_names():
        await sync_once(force=True)
    return model in router.get_model_names()


async def serve_routes() -> None:
    """The first sync (retried until it succeeds), then the registry watch."""
    runtime = get_runtime()
    while True:
        try:
            await sync_once(force=True)
            break
        except Exception:
            log.exception("registry sync failed; retrying")
            await asyncio.sleep(runtime.settings.registry_poll_seconds)
    freeze_startup_heap()
    await watch(runtime.catalog, runtime.settings.registry_poll_seconds, partial(sync_once, True))
