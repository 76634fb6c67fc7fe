"""A reasoning model's side of a request (pure): OpenAI's `reasoning_effort`, checked
and handed to the chat template, and how the model marks its thoughts in a reply
(core/reasoning.py splits them off)."""

from __future__ import annotations

from dataclasses import dataclass
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


DEFAULT_MARKERS = ("<think>", "</think>")


@dataclass(frozen=True)
class Thoughts:
    """How a reasoning model's replies mark its thoughts."""

    start: str = DEFAULT_MARKERS[0]
    end: str = DEFAULT_MARKERS[1]
    opened: bool = False  # the prompt opens them: replies begin inside


def markers(
    declared: bool | tuple[str, str] | None, template_says: bool, prompt_end: str = ""
) -> Thoughts | None:
    """A model's reasoning markers: as its registry entry declares, else from its chat
    template; None for a model that does not reason."""
    if declared is None:
        declared = template_says
    if not declared:
        return None
    start, end = DEFAULT_MARKERS if isinstance(declared, bool) else declared
    return Thoughts(start, end, opened=prompt_end.rstrip().endswith(start))
