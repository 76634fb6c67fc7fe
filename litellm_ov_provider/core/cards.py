"""What clients are told about a model: the proxy's model_info and the node's
/v1/models list exactly this (pure but for the runtime it reads)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

from ..registry.device import model_facts
from ..registry.entries import ResolvedModel
from ..request.reasoning import markers

if TYPE_CHECKING:
    from .runtime import Runtime

PROVIDER = "openvino"  # LiteLLM's provider name for our models, and their owned_by

# What LiteLLM's /model_group/info and the admin UI read. Tools work on every chat
# model (rendered by its template, else into the system message), structured output
# through the grammar, a system message through merge_system; no images.
CHAT_SUPPORT = {
    "supports_function_calling": True,
    "supports_tool_choice": True,
    "supports_parallel_function_calling": True,
    "supports_response_schema": True,
    "supports_system_messages": True,
    "supports_vision": False,
}
EMBEDDING_SUPPORT = {key: False for key in CHAT_SUPPORT}
FREE = {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0}


def capabilities(mode: str) -> dict[str, Any]:
    return {**(CHAT_SUPPORT if mode == "chat" else EMBEDDING_SUPPORT), **FREE}


def model_card(runtime: Runtime, model: ResolvedModel) -> dict[str, Any]:
    """A servable model's facts: mode, task, format, device, context window, and
    whether it is loaded now."""
    entry = model.entry
    device, context = model_facts(model, runtime.settings)
    loaded = runtime.pool.loaded().get(model.name)
    template_says = loaded is not None and loaded.caps.reasoning
    return {
        "supports_reasoning": markers(entry.reasoning, template_says) is not None,
        "mode": entry.mode,
        "task": entry.task,
        "weight_format": entry.weight_format,
        "device": device,
        "context_length": context,
        "status": "ready",
        "loaded": runtime.pool.is_loaded(model.name),
        "restarts": runtime.pool.restarts(model.name),
    }


def listed_models(runtime: Runtime) -> list[dict[str, Any]]:
    """/v1/models: every registry model with its card, then every family name with
    the variant it serves (`alias_of`)."""
    registry = runtime.catalog.registry
    listed = [
        {"id": name, "object": "model", "created": 0, "owned_by": PROVIDER}
        | model_card(runtime, model)
        for name, model in sorted(registry.models.items())
    ]
    by_name = {entry["id"]: entry for entry in listed}
    for family, variant in sorted(registry.aliases.items()):
        listed.append({**by_name[variant], "id": family, "alias_of": variant})
    return listed


@lru_cache(maxsize=256)
def fingerprint_of(*facts: str) -> str:
    """A system_fingerprint that changes when any of `facts` does."""
    return "fp_" + hashlib.sha256("|".join(facts).encode()).hexdigest()[:10]


def fingerprint(runtime: Runtime, name: str) -> str:
    """OpenAI's `system_fingerprint` for model `name`: what serves it (this package's and
    GenAI's versions, the model's files and format, its device), so it changes when any
    of them does."""
    model = runtime.catalog.get(name)
    if model is None:
        return fingerprint_of(name)
    device, _ = model_facts(model, runtime.settings)
    return fingerprint_of(
        metadata.version("litellm-ov"),
        metadata.version("openvino-genai"),
        str(model.path),
        model.entry.weight_format,
        device,
    )
