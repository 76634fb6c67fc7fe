"""The model's chat template, as the worker renders it (worker side)."""

from __future__ import annotations

from typing import Any

PROBE = [{"role": "user", "content": "Hi"}]


def render(tok: Any, messages: list[dict[str, Any]], tools: Any, context: dict[str, Any]) -> str:
    """The prompt for `messages`, ending where the assistant's answer begins."""
    return str(
        tok.apply_chat_template(messages, True, tools=tools or None, extra_context=context or None)
    )


def prompt_end(tok: Any) -> str:
    """The end of a one-message prompt: a reasoning template (DeepSeek-R1's) opens the
    model's thoughts there, so its answer holds only the closing marker. Empty when
    the template cannot render it."""
    try:
        return render(tok, PROBE, None, {})[-64:]
    except Exception:
        return ""
