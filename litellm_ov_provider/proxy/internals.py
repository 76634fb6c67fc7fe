"""Every LiteLLM internal this project depends on, reached only through here.

Checked against litellm 1.106.2 (`CHECKED_AGAINST`); tests/unit/test_litellm_internals.py
fails, naming the piece, when an upgrade removes or renames one. LiteLLM's public API
(CustomLLM, CustomLogger and their hooks, Router's methods, its exceptions and types)
is used where it is needed; what is here is not public: the proxy module's globals, a
Router method we wrap, the app's built middleware stack, a scope key its body parser
reads, keys it puts in a call's metadata, its logger's name.

Imported lazily: outside a running proxy nothing here touches LiteLLM, and importing
`litellm.proxy.proxy_server` costs seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

CHECKED_AGAINST = "1.106.2"
# LiteLLM's /health sends real completions to every deployment, tagged with this.
HEALTH_TAG = "litellm-internal-health-check"
# The request-scope key LiteLLM's body parser reads before parsing a body itself.
PARSED_BODY = "parsed_body"
PROXY_LOGGER = "LiteLLM Proxy"
_METADATA = ("litellm_metadata", "metadata")  # where a call's metadata may sit


# ---- a call's litellm_params -----------------------------------------------------
def _metadata_value(litellm_params: Mapping[str, Any] | None, key: str) -> Any:
    for where in _METADATA:
        meta = (litellm_params or {}).get(where)
        if isinstance(meta, Mapping) and meta.get(key) is not None:
            return meta[key]
    return None


# OpenAI parameters LiteLLM's list for custom providers leaves out: it would answer
# "openvino does not support parameters" unless a call names them allowed.
UNLISTED_OPENAI_PARAMS = ("reasoning_effort", "verbosity")


def let_through(params: dict[str, Any]) -> None:
    """Name our providers' unlisted OpenAI parameters allowed in a call's `params`
    (after any the call names itself)."""
    allowed = params.get("allowed_openai_params")
    allowed = list(allowed) if isinstance(allowed, list) else []
    params["allowed_openai_params"] = [*allowed, *UNLISTED_OPENAI_PARAMS]


def is_text_completion(litellm_params: Mapping[str, Any] | None) -> bool:
    """A /v1/completions call: LiteLLM turned its prompt into a user message."""
    return bool((litellm_params or {}).get("text_completion"))


def is_health_probe(litellm_params: Mapping[str, Any] | None) -> bool:
    for where in _METADATA:
        meta = (litellm_params or {}).get(where)
        tags = meta.get("tags") if isinstance(meta, Mapping) else None
        if isinstance(tags, list) and HEALTH_TAG in tags:
            return True
    return False


def deployment_of_call(kwargs: Mapping[str, Any]) -> str | None:
    """The router deployment a logged call ran on (a logging callback's kwargs)."""
    params = kwargs.get("litellm_params") or {}
    for info in (params.get("model_info"), (params.get("metadata") or {}).get("model_info")):
        if isinstance(info, Mapping) and isinstance(info.get("id"), str):
            return str(info["id"])
    return None


def is_connection_error(kwargs: Mapping[str, Any]) -> bool:
    """Whether a logged call failed to reach its server (LiteLLM's openai provider
    reports a refused connection as a 500 "Connection error")."""
    import litellm

    error = kwargs.get("exception")
    return isinstance(error, litellm.APIConnectionError) or "Connection error" in str(error)


def call_id(litellm_params: Mapping[str, Any] | None) -> str | None:
    """LiteLLM's id of this call: the same id its response-header hook sees."""
    found = (litellm_params or {}).get("litellm_call_id")
    return str(found) if found else None


def requester_ip(litellm_params: Mapping[str, Any] | None) -> str | None:
    """The client's address as the proxy saw it (or from X-Forwarded-For)."""
    found = _metadata_value(litellm_params, "requester_ip_address")
    return found if isinstance(found, str) else None


def model_group(litellm_params: Mapping[str, Any] | None) -> str | None:
    """The model name the client asked for (the deployment's model group)."""
    found = _metadata_value(litellm_params, "model_group")
    return str(found) if found else None


# ---- the proxy module's globals -------------------------------------------------
def _server() -> Any:
    from litellm.proxy import proxy_server

    return proxy_server


def router() -> Any:
    """The proxy's LiteLLM Router, or None before the config is loaded."""
    return _server().llm_router


async def wait_for_router() -> Any:
    """The Router, once the proxy has built it (LiteLLM offers no "router ready"
    event: this is the one place that polls for it)."""
    while router() is None:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    return router()


def master_key() -> str | None:
    key = _server().master_key
    return str(key) if key else None


def has_database() -> bool:
    return _server().prisma_client is not None


def general_settings() -> dict[str, Any]:
    """The proxy's general_settings: a dict at first, then LiteLLM's SettingsStore (a
    Mapping) once the config is bound; a shallow copy of either."""
    settings = _server().general_settings
    return dict(settings) if isinstance(settings, Mapping) else {}


def config_path() -> Path | None:
    """The config file the proxy was started with."""
    found = getattr(_server(), "user_config_file_path", None)
    return Path(found) if isinstance(found, str) and found else None


def app() -> Any:
    """LiteLLM's FastAPI app."""
    return _server().app


def publish_model_list() -> None:
    """/health and /model_group/info read `llm_model_list`, a snapshot of the router's
    deployments: refresh it after changing them."""
    server = _server()
    server.llm_model_list = server.llm_router.get_model_list()


def deployments(model_name: str | None = None) -> list[dict[str, Any]]:
    """The router's deployments (of one model name), or none before it exists."""
    current = router()
    if current is None:
        return []
    found = (
        current.get_model_list(model_name=model_name) if model_name else current.get_model_list()
    )
    return list(found or [])


# ---- the Router: a wrapped method ------------------------------------------------
def keep_deployments(router: Any, owned: Callable[[str], bool]) -> None:
    """Make `router.delete_deployment` leave the deployments `owned` says are ours.

    With `store_model_in_db`, LiteLLM's periodic model sync deletes every deployment
    that is in neither its database nor the config file, which is every registry
    route. Idempotent; the proxy may build a new router, so call it on each sync. Our
    own sync deletes with `delete_owned`."""
    if getattr(router, "_ov_keeps", False):
        return
    delete = router.delete_deployment

    def delete_unless_owned(id: str) -> Any:
        return None if owned(id) else delete(id=id)

    router.delete_deployment = delete_unless_owned
    router._ov_keeps = True


def delete_owned(router: Any, dep_id: str) -> None:
    """Delete one of our deployments, past keep_deployments."""
    type(router).delete_deployment(router, id=dep_id)


def update_model_info(dep_id: str, updates: dict[str, Any]) -> None:
    """Merge `updates` into one deployment's model_info (replacing the deployment, as
    the router expects), then republish the model list."""
    from litellm.types.router import Deployment

    current = router()
    found = current.get_deployment(model_id=dep_id) if current is not None else None
    if found is None:
        return
    dep = found.model_dump()
    dep["model_info"] = {**(dep.get("model_info") or {}), **updates}
    current.upsert_deployment(Deployment(**dep))
    publish_model_list()


# ---- LiteLLM's Redis -------------------------------------------------------------
def _redis_caches() -> list[Any]:
    """The Redis clients LiteLLM uses: the coordination Redis (limits, spend counters)
    and the router's cache (cooldowns, usage routing); often one object."""
    usage = getattr(_server(), "redis_usage_cache", None)
    routing = getattr(getattr(router(), "cache", None), "redis_cache", None)
    found = [usage] if usage is not None else []
    return [*found, routing] if routing is not None and routing is not usage else found


def _redis_breakers() -> list[Any]:
    found = [getattr(cache, "_circuit_breaker", None) for cache in _redis_caches()]
    return [b for b in found if b is not None]


def redis_breaker_states() -> list[str]:
    """closed, open or half_open, for each of LiteLLM's Redis circuit breakers."""
    return [str(getattr(b, "_state", "unknown")) for b in _redis_breakers()]


async def redis_came_back() -> int:
    """Once Redis answers again (our own PING proves it): drop the connections LiteLLM
    pooled before the outage (each would fail its next call, and that call's counts
    would go to memory) and close its circuit breakers, which reopen only through one
    probe call (one that ends without a verdict leaves a breaker half-open and every
    Redis call skipped for good: limits stayed per front door after Redis came back).
    How many breakers it closed."""
    for cache in _redis_caches():
        pool = getattr(cache, "async_redis_conn_pool", None)
        if pool is not None:
            await pool.disconnect(inuse_connections=False)
    closed = 0
    for breaker in _redis_breakers():
        if breaker._state != breaker.CLOSED:
            breaker._set_state(breaker.HALF_OPEN)
            breaker.record_success()
            closed += 1
    return closed


# ---- the app -------------------------------------------------------------------
def prepend_routes(routes: Any) -> None:
    """Put our routes (a FastAPI APIRouter) ahead of LiteLLM's, whose catch-alls would
    otherwise answer first."""
    app().router.routes[0:0] = routes.routes


def wrap_app(app: Any, middleware: Callable[[Any], Any]) -> None:
    """Put ASGI `middleware` in front of LiteLLM's app. Config loading runs after the
    app has started, so its built middleware stack is wrapped."""
    if app.middleware_stack is None:
        app.add_middleware(middleware)
    else:
        app.middleware_stack = middleware(app.middleware_stack)


def set_parsed_body(scope: Any, body: dict[str, Any]) -> None:
    """Hand LiteLLM a body we parsed already, so it does not parse it again."""
    scope[PARSED_BODY] = (tuple(body), body)


def body_refusal(body: dict[str, Any], route: str) -> str | None:
    """Why LiteLLM's own check (banned keys such as api_base) refuses `body`, if it
    does: its first sentence."""
    from litellm.proxy.auth.auth_utils import is_request_body_safe

    model = body.get("model")
    try:
        is_request_body_safe(
            body, general_settings(), router(), model if isinstance(model, str) else "", route=route
        )
    except ValueError as exc:
        return str(exc).split(". ")[0]
    return None


def auth_error(message: str) -> Exception:
    """The exception LiteLLM's custom-auth path turns into a 401 body (the guard gives
    it OpenAI's type and code on the way out)."""
    from litellm.proxy._types import ProxyException

    error: Exception = ProxyException(
        message=message, type="invalid_request_error", param=None, code=401
    )
    return error


def proxy_logger() -> logging.Logger:
    """The logger LiteLLM's proxy writes request errors (and their tracebacks) to."""
    return logging.getLogger(PROXY_LOGGER)
