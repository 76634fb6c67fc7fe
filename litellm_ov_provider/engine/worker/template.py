"""The model's chat template, as the worker renders it, and its prompts' length
(worker side)."""

from __future__ import annotations

import re
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


PIECE_CHARS = 4096
_BREAK = re.compile(r"\s")


def counted(tok: Any, text: str) -> int:
    """Tokens in `text`, however long. A converted tokenizer stops at the length it was
    built with (8192 for the default model's IR, truncation off or not), so a prompt
    past the context window is counted in pieces cut before whitespace, where the
    tokenizers split words anyway (exact for the common pre-tokenizers, close for the
    rest): the overflow error then says how long the prompt really is."""
    total, start = 0, 0
    while start < len(text):
        end = min(start + PIECE_CHARS, len(text))
        if end < len(text):
            gap = max((m.start() for m in _BREAK.finditer(text, start + 1, end)), default=end)
            end = gap if gap > start else end
        total += int(tok.encode(text[start:end], add_special_tokens=False).input_ids.shape[1])
        start = end
    return total
