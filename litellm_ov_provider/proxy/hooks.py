"""The proxy hooks of both custom providers (openvino and board), in one CustomLogger.

Before routing: a name the router does not know syncs the registry first (a model
added a moment ago), our routes get no router-level retry (the node retries a crashed
worker itself; a board's specialist calls are retried already, and a retried board
would run its panel twice), OpenAI parameters LiteLLM does not list for custom
providers are let through, and an embeddings request's params are carried past
LiteLLM. After the response: the headers a provider filed for it (base.send_headers).

`start()` begins the node's proxy-side work; proxy/entrypoints.py calls it when the
proxy's config names these hooks, never at import.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from ..core.runtime import get_runtime
from ..core.warmup import warm_pinned
from ..engine import metrics
from ..ops import lifecycle_api
from . import internals
from .base import take_headers
from .deployments import is_node_route, is_ours
from .front_door import health_facts, install
from .node_sync import node_failed, serve_nodes
from .provider import carry_embedding_params
from .shared_state import watch_redis
from .startup import refuse_weak_exposure, when_ready
from .sync import serve_routes, sync_once
from .warm_path import through_front_door

log = logging.getLogger(__name__)


class ProxyHooks(CustomLogger):
    def start(self) -> None:
        """At config load, inside the proxy's event loop: the guard in front of the app,
        the metrics and lifecycle routes, then (once the router exists) the route sync
        and the idle-model reaper."""
        refuse_weak_exposure()  # the key from the environment, now
        install(internals.app())
        metrics.register(get_runtime)  # ov_* beside LiteLLM's own in its /metrics
        master_only = lifecycle_api.key_check(internals.master_key)
        api = lifecycle_api.build(get_runtime, master_only, health_facts)
        internals.prepend_routes(api)
        self._resyncs: set[asyncio.Task[None]] = set()
        pool = get_runtime().pool
        pool.add_listener(self._resync)  # model_info.loaded follows the pool
        when_ready(self._serve, name="openvino-registry-sync")
        when_ready(serve_nodes, name="openvino-node-sync")
        when_ready(watch_redis, name="openvino-redis-health")
        warm = partial(warm_pinned, get_runtime(), through_front_door)
        when_ready(warm, name="openvino-warm-pinned")

    async def _serve(self) -> None:
        refuse_weak_exposure()  # again: general_settings.master_key is in place by now
        reaper = asyncio.create_task(get_runtime().pool.run_reaper(), name="openvino-idle-unload")
        try:
            await serve_routes()
        finally:
            reaper.cancel()

    def _resync(self) -> None:
        task = asyncio.get_running_loop().create_task(sync_once(force=True))
        self._resyncs.add(task)
        task.add_done_callback(self._resyncs.discard)

    # Hooks must be defined on this class itself: the proxy only calls those it finds
    # in vars(cls).
    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any]:
        name = data.get("model")
        if not isinstance(name, str):
            return data
        router = internals.router()
        if router is not None and name not in router.get_model_names():
            await sync_once(force=True)
        found = internals.deployments(name)
        if any(is_ours(d) for d in found):  # with other nodes' copies too
            internals.let_through(data)
        if found and all(is_ours(d) for d in found):
            data["num_retries"] = 0
            if call_type == "aembedding":
                carry_embedding_params(data)
        return data

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """A call to another node that could not connect takes that node out of its
        groups at once (the router retries elsewhere; its next poll decides again)."""
        dep_id = internals.deployment_of_call(kwargs)
        if dep_id and is_node_route(dep_id) and internals.is_connection_error(kwargs):
            node_failed(dep_id)

    async def async_post_call_response_headers_hook(
        self,
        data: dict[str, Any],
        user_api_key_dict: Any,
        response: Any,
        request_headers: dict[str, str] | None = None,
        litellm_call_info: Any = None,
    ) -> dict[str, str] | None:
        return take_headers(data.get("litellm_call_id"))
