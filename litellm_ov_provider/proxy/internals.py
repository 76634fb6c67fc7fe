"""The one place that reads or writes LiteLLM's proxy globals (`proxy_server`).

Imported lazily: outside a running proxy nothing here is touched, and importing
`litellm.proxy.proxy_server` costs seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HEALTH_TAG = "litellm-internal-health-check"


def is_health_probe(litellm_params: dict[str, Any] | None) -> bool:
    """LiteLLM's /health sends real completions, tagged with HEALTH_TAG."""
    params = litellm_params or {}
    for key in ("litellm_metadata", "metadata"):
        meta = params.get(key) or {}
        tags = meta.get("tags") if isinstance(meta, dict) else None
        if isinstance(tags, list) and HEALTH_TAG in tags:
            return True
    return False


def _server() -> Any:
    from litellm.proxy import proxy_server

    return proxy_server


def router() -> Any:
    """The proxy's LiteLLM Router, or None before the config is loaded."""
    return _server().llm_router


def master_key() -> str | None:
    key = _server().master_key
    return str(key) if key else None


def has_database() -> bool:
    return _server().prisma_client is not None


def general_settings() -> dict[str, Any]:
    settings = _server().general_settings
    return settings if isinstance(settings, dict) else {}


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


def prepend_routes(routes: Any) -> None:
    """Put our routes (a FastAPI APIRouter) ahead of LiteLLM's, whose catch-alls would
    otherwise answer first."""
    _server().app.router.routes[0:0] = routes.routes
