"""Registry -> LiteLLM router deployments (pure planning; the hook applies it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.cards import PROVIDER, capabilities
from ..registry.entries import ResolvedModel
from .deployments import deployment_id, is_registry_route

# LiteLLM's per-deployment cooldown threshold: in a group with other nodes' copies, a
# local model that fails more than this within cooldown_time steps aside for cooldown_time; set
# on a deployment, it also keeps a group of one from ever being cooled down (a 404 of
# ours would otherwise turn into 429s). A registry entry's model_info may change it.
LOCAL_ALLOWED_FAILS = 3


def deployment(model: ResolvedModel, card: dict[str, Any]) -> dict[str, Any]:
    """One proxy route for one registry model: its capabilities, the registry entry's
    own `model_info` keys, then its card (core.cards.model_card) and path, which an entry
    cannot override."""
    info: dict[str, Any] = {
        **capabilities(str(card.get("mode"))),
        "allowed_fails": LOCAL_ALLOWED_FAILS,
        **model.entry.model_info,
        "id": deployment_id(model.name),
        **card,
        "path": str(model.path),
        "litellm_provider": PROVIDER,
    }
    context = card.get("context_length")  # None when neither entry nor files say
    info["max_input_tokens"] = context
    info["max_output_tokens"] = context if card.get("mode") == "chat" else 0
    info["max_tokens"] = context
    params: dict[str, Any] = {"model": f"{PROVIDER}/{model.name}"}
    if card.get("mode") == "embedding":
        # LiteLLM rejects encoding_format/dimensions/user for custom providers unless
        # dropped; the pre-call hook carries encoding_format past this in the metadata.
        params["drop_params"] = True
    return {"model_name": model.name, "litellm_params": params, "model_info": info}


def alias_deployment(family: str, variant: dict[str, Any]) -> dict[str, Any]:
    """The route of a family name: the variant's deployment (same provider model, so
    requests run on the variant) under the family's name, saying which it serves."""
    info = {**variant["model_info"], "id": deployment_id(family)}
    info.update(alias_of=variant["model_name"], family=family)
    return {
        "model_name": family,
        "litellm_params": dict(variant["litellm_params"]),
        "model_info": info,
    }


def broken_deployment(name: str, reason: str) -> dict[str, Any]:
    """A route for a registry entry that cannot be served: requests get a 503 naming
    the model and the reason, and /v1/model/info shows why."""
    info = {
        "id": deployment_id(name),
        "mode": "chat",
        "status": "broken",
        "error": reason,
        "loaded": False,
        "litellm_provider": PROVIDER,
        "allowed_fails": LOCAL_ALLOWED_FAILS,
    }
    return {
        "model_name": name,
        "litellm_params": {"model": f"{PROVIDER}/{name}"},
        "model_info": info,
    }


@dataclass(frozen=True)
class Plan:
    upserts: list[dict[str, Any]]
    deletes: list[str]  # deployment ids
    removed_names: list[str]


def plan(
    current: dict[str, dict[str, Any]],
    desired: list[dict[str, Any]],
    owned: Callable[[str], bool] = is_registry_route,
) -> Plan:
    """Compare our deployments now in the router (id -> deployment) with the desired ones.
    Deployments whose id `owned` does not claim are never touched."""
    ours = {dep_id: dep for dep_id, dep in current.items() if owned(dep_id)}
    wanted = {d["model_info"]["id"]: d for d in desired}
    upserts = [d for dep_id, d in wanted.items() if _differs(ours.get(dep_id), d)]
    deletes = sorted(set(ours) - set(wanted))
    removed = [str(ours[dep_id].get("model_name")) for dep_id in deletes]
    return Plan(upserts=upserts, deletes=deletes, removed_names=removed)


def _differs(have: dict[str, Any] | None, want: dict[str, Any]) -> bool:
    if have is None:
        return True
    have_info = have.get("model_info") or {}
    have_params = have.get("litellm_params") or {}
    return (
        have.get("model_name") != want["model_name"]
        or any(have_info.get(k) != v for k, v in want["model_info"].items())
        or any(have_params.get(k) != v for k, v in want["litellm_params"].items())
    )
