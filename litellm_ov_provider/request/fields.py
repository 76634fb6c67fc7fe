"""OpenAI request fields this node cannot honour: refused by name, never silently
dropped (pure). The README's "OpenAI compatibility" table lists every field: honoured,
an extension, refused here, or accepted and ignored (and why)."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidRequest, UnsupportedParameter

REFUSED = {
    "functions": "the legacy `functions` field is not supported: send `tools`",
    "function_call": "the legacy `function_call` field is not supported: send `tool_choice`",
    "audio": "audio output is not supported: these models answer in text",
    "web_search_options": "web search is not available: these models run offline",
}
# Accepted and ignored, as the README says: they change nothing a client can observe
# here (`prediction` only speeds OpenAI up; caching is automatic) or are LiteLLM's.
IGNORED = (
    "user",
    "metadata",
    "store",
    "service_tier",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "prediction",
    "verbosity",
)


def refuse_unsupported(params: dict[str, Any]) -> None:
    """Raise UnsupportedParameter naming the first field the request sets that cannot
    be honoured; a field sent empty or at its no-op value passes."""
    for key, why in REFUSED.items():
        if params.get(key) not in (None, [], {}):
            raise UnsupportedParameter(why, param=key)
    modalities = params.get("modalities")
    if modalities is not None and (not isinstance(modalities, list) or set(modalities) - {"text"}):
        raise UnsupportedParameter('modalities: only ["text"] is supported', param="modalities")
    _no_logit_bias(params)


def _no_logit_bias(params: dict[str, Any]) -> None:
    """OpenVINO GenAI has no per-token bias; a bias that changes nothing is fine."""
    bias = params.get("logit_bias")
    if bias is not None and not isinstance(bias, dict):
        raise InvalidRequest("logit_bias must be an object", param="logit_bias")
    if bias and any(value != 0 for value in bias.values()):
        raise UnsupportedParameter(
            "logit_bias is not supported by this model's engine (OpenVINO GenAI has no "
            "per-token bias); leave it out, or use `grammar` to restrict the output",
            param="logit_bias",
        )
