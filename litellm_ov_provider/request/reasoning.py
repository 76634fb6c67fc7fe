"""OpenAI's `reasoning_effort`, checked and handed to the chat template (pure)."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidRequest

EFFORTS = ("none", "minimal", "low", "medium", "high")


def template_context(params: dict[str, Any]) -> dict[str, object]:
    """What a chat template gets for `reasoning_effort`: the effort itself, and
    `enable_thinking` (Qwen3-style templates) off for none or minimal. A template that
    reads neither ignores it, as a non-reasoning model should."""
    effort = params.get("reasoning_effort")
    if effort is None:
        return {}
    if effort not in EFFORTS:
        raise InvalidRequest(
            f"reasoning_effort must be one of {', '.join(EFFORTS)}", param="reasoning_effort"
        )
    return {"reasoning_effort": effort, "enable_thinking": effort not in ("none", "minimal")}
