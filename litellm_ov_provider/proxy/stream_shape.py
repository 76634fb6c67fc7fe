"""LiteLLM's streamed chat chunks as OpenAI sends them (one reshaper per stream).

What LiteLLM 1.106.2 sends that clients trip over: choices without `finish_reason`
until the last (OpenAI: null), the usage chunk with `choices: [{index 0, delta {}}]`
(OpenAI: `[]`), no role on the first delta, its own finishing and usage chunks without
`system_fingerprint`, only the first choice's finish reason when there are several
(our providers name each on the last chunk: proxy/wire.FINISH_REASONS), `chatcmpl-`
ids for text completions (OpenAI: `cmpl-`), a zero `usage` on every text completion
chunk and no `text` on its last, and errors inside a stream with `type: null`.
"""

from __future__ import annotations

from typing import Any

from . import true_usage
from .rewrites import openai_error

# On a stream's last chunk when it has several choices: each choice's finish reason
# (LiteLLM's stream keeps only the first choice's), put there by proxy/wire.py.
FINISH_REASONS = "ov_finish_reasons"


def _quiet(choice: Any) -> bool:
    """A choice that adds nothing and ends nothing (a chat delta or a text completion's
    text)."""
    return isinstance(choice, dict) and not any(
        choice.get(key) for key in ("delta", "text", "finish_reason")
    )


class StreamReshaper:
    def __init__(self) -> None:
        self._fingerprint: str | None = None
        self._finishes: dict[int, str] | None = None
        self._started: set[int] = set()

    def event(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        """One chunk in, the chunks OpenAI would send for it out."""
        if isinstance(data.get("error"), dict):
            return [{"error": _stream_error(data["error"])}]
        finishes = data.pop(FINISH_REASONS, None)
        if isinstance(finishes, dict):
            self._finishes = {int(i): str(r) for i, r in finishes.items()}
        out = self._reshaped(data)
        self._fingerprint = data.get("system_fingerprint") or self._fingerprint
        for chunk in out:
            self._finish_shape(chunk)
        return out

    def _reshaped(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        choices = data.get("choices") or []
        if data.get("usage") and all(_quiet(c) for c in choices):
            usage = true_usage.take(str(data.get("id"))) or data["usage"]
            return [{**data, "choices": [], "usage": usage}]
        finishing = len(choices) == 1 and not choices[0].get("delta")
        if self._finishes and finishing and choices[0].get("finish_reason"):
            return [  # LiteLLM's one finishing chunk: one per choice
                {**data, "choices": [{"index": i, "delta": {}, "finish_reason": reason}]}
                for i, reason in sorted(self._finishes.items())
            ]
        return [data]

    def _finish_shape(self, chunk: dict[str, Any]) -> None:
        if self._fingerprint and not chunk.get("system_fingerprint"):
            chunk["system_fingerprint"] = self._fingerprint
        text = chunk.get("object") == "text_completion"
        if text and str(chunk.get("id", "")).startswith("chatcmpl-"):
            chunk["id"] = "cmpl-" + chunk["id"].removeprefix("chatcmpl-")
        if text and chunk.get("choices") and not any((chunk.get("usage") or {}).values()):
            chunk.pop("usage", None)  # LiteLLM's zeros on every text chunk
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            if text:
                choice.setdefault("text", "")
            choice.setdefault("logprobs", None)
            choice.setdefault("finish_reason", None)
            index = choice.get("index", 0)
            delta = choice.get("delta")
            if not text and isinstance(delta, dict) and index not in self._started:
                self._started.add(index)
                choice["delta"] = {"role": "assistant", **delta}


def _stream_error(error: dict[str, Any]) -> dict[str, Any]:
    code = error.get("code")
    status = int(code) if isinstance(code, str) and code.isdigit() else 500
    return openai_error(status, error)[1]


def text_completion_id(body: dict[str, Any]) -> dict[str, Any]:
    """A unary text completion's id as OpenAI's (`cmpl-`)."""
    if body.get("object") == "text_completion" and str(body.get("id", "")).startswith("chatcmpl-"):
        body["id"] = "cmpl-" + body["id"].removeprefix("chatcmpl-")
    return body
