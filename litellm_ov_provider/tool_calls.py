"""Tool calls in generated text -> OpenAI tool calls (pure).

Two styles are read, whatever the template: Hermes/Qwen `<tool_call>{json}</tool_call>`
blocks, and Llama-3 JSON (`{"name": ..., "parameters": ...}`, optionally after
`<|python_tag|>`, several separated by `;`).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

OPEN, CLOSE = "<tool_call>", "</tool_call>"
PYTHON_TAG = "<|python_tag|>"
_BLOCK_RE = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # a JSON object, as text

    def to_openai(self, index: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }
        if index is not None:
            out["index"] = index
        return out


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def call_from_obj(obj: Any) -> ToolCall | None:
    """{"name", "arguments"|"parameters"} -> ToolCall, or None if it is not a call."""
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return None
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return None
    if not isinstance(args, dict):
        return None
    return ToolCall(new_call_id(), obj["name"], json.dumps(args, ensure_ascii=False))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def parse_llama3(text: str) -> list[ToolCall] | None:
    """Bare JSON calls; None unless the whole text is calls."""
    body = text.strip().removeprefix(PYTHON_TAG).strip()
    if not body.startswith("{"):
        return None
    decoder, calls, pos = json.JSONDecoder(), [], 0
    while pos < len(body):
        try:
            obj, end = decoder.raw_decode(body, pos)
        except json.JSONDecodeError:
            return None
        call = call_from_obj(obj)
        if call is None:
            return None
        calls.append(call)
        pos = end
        while pos < len(body) and body[pos] in "; \n\t\r":
            pos += 1
    return calls or None


def parse_tool_calls(text: str) -> tuple[str | None, list[ToolCall]]:
    """Split generated text into (content, tool calls). Unparsable blocks stay content."""
    if OPEN in text:
        calls: list[ToolCall] = []
        for body in _BLOCK_RE.findall(text):
            call = call_from_obj(_loads(body))
            if call is None:
                return text, []
            calls.append(call)
        content = text[: text.index(OPEN)].strip()
        return (content or None), calls
    calls_or_none = parse_llama3(text)
    if calls_or_none:
        return None, calls_or_none
    return text, []


def parse_forced(text: str) -> list[ToolCall]:
    """Output constrained to one {"name", "arguments"} object."""
    call = call_from_obj(_loads(text))
    return [call] if call else []


class StreamingToolParser:
    """Feed text deltas; get back content to stream now and tool calls as they close.

    Text that may start a tool call (a `<` that could grow into `<tool_call>`, or a
    reply that opens with `{` or `<|python_tag|>`) is held until it is decided.
    """

    def __init__(self) -> None:
        self._buf = ""
        self._started = False  # any content streamed yet
        self._json_mode = False
        self.calls: list[ToolCall] = []

    def feed(self, delta: str) -> tuple[str, list[ToolCall]]:
        self._buf += delta
        if self._json_mode:
            return "", []
        if not self._started:
            head = self._buf.lstrip()
            if not head:
                return "", []
            if head.startswith("{") or head.startswith(PYTHON_TAG) or PYTHON_TAG.startswith(head):
                if head.startswith("{") or head.startswith(PYTHON_TAG):
                    self._json_mode = True
                return "", []
        return self._scan()

    def _scan(self) -> tuple[str, list[ToolCall]]:
        out, new = [], []
        while True:
            start = self._buf.find(OPEN)
            if start < 0:
                keep = _partial_suffix(self._buf, OPEN)
                out.append(self._buf[: len(self._buf) - keep])
                self._buf = self._buf[len(self._buf) - keep :]
                break
            out.append(self._buf[:start])
            end = self._buf.find(CLOSE, start)
            if end < 0:
                self._buf = self._buf[start:]
                break
            body = self._buf[start + len(OPEN) : end]
            call = call_from_obj(_loads(body.strip()))
            if call is None:
                out.append(self._buf[: end + len(CLOSE)][start:])
            else:
                new.append(call)
            self._buf = self._buf[end + len(CLOSE) :]
        text = "".join(out)
        if text.strip():
            self._started = True
        self.calls.extend(new)
        return text, new

    def finish(self) -> tuple[str, list[ToolCall]]:
        """End of generation: decide whatever is still held."""
        rest, self._buf = self._buf, ""
        if self._json_mode:
            calls = parse_llama3(rest)
            if calls:
                self.calls.extend(calls)
                return "", calls
            return rest, []
        if rest.startswith(OPEN):
            call = call_from_obj(_loads(rest[len(OPEN) :].strip()))
            if call is not None:
                self.calls.append(call)
                return "", [call]
        return rest, []


def _partial_suffix(text: str, token: str) -> int:
    """Length of the longest suffix of text that is a proper prefix of token."""
    for n in range(min(len(token) - 1, len(text)), 0, -1):
        if text.endswith(token[:n]):
            return n
    return 0
