"""Tool calls in generated text -> OpenAI tool calls (pure).

Two styles are read, whatever the template: Hermes/Qwen `<tool_call>{json}</tool_call>`
blocks, and Llama-3 JSON (`{"name": ..., "parameters": ...}`, optionally after
`<|python_tag|>`, several separated by `;`).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .types import ToolCall

OPEN, CLOSE = "<tool_call>", "</tool_call>"
PYTHON_TAG = "<|python_tag|>"


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


def _blocks(text: str) -> list[str]:
    """The bodies of `<tool_call>...</tool_call>` blocks, in order; an unclosed last
    block runs to the end. One left-to-right pass (no regex backtracking)."""
    bodies, pos = [], 0
    while (start := text.find(OPEN, pos)) >= 0:
        begin = start + len(OPEN)
        end = text.find(CLOSE, begin)
        if end < 0:
            bodies.append(text[begin:].strip())
            break
        bodies.append(text[begin:end].strip())
        pos = end + len(CLOSE)
    return bodies


def parse_tool_calls(text: str) -> tuple[str | None, list[ToolCall]]:
    """Split generated text into (content, tool calls). Unparsable blocks stay content."""
    if OPEN in text:
        calls: list[ToolCall] = []
        for body in _blocks(text):
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
    reply that opens with `{` or `<|python_tag|>`) is held until it is decided. Work is
    linear in the text: held text is kept as a list of pieces and joined once, and the
    end of an open call is looked for only where the newest piece could complete it.
    """

    def __init__(self) -> None:
        self._mode = "start"  # "start" (nothing but whitespace yet), "json" or "text"
        self._pending: list[str] = []  # start: all so far; json: the whole reply
        self._buf = ""  # text: a possible start of "<tool_call>" at the end (short)
        self._call: list[str] | None = None  # text: an open call, from its "<tool_call>"
        self._tail = ""  # the open call's last characters, to find "</tool_call>" across pieces
        self.calls: list[ToolCall] = []

    def feed(self, delta: str) -> tuple[str, list[ToolCall]]:
        if self._mode == "json":
            self._pending.append(delta)
            return "", []
        if self._mode == "start":
            self._pending.append(delta)
            if not delta.strip():
                return "", []
            head = "".join(self._pending)  # at most len(PYTHON_TAG) joins: linear
            lead = head.lstrip()
            if lead.startswith(("{", PYTHON_TAG)):
                self._mode, self._pending = "json", [head]
                return "", []
            if PYTHON_TAG.startswith(lead):
                self._pending = [head]
                return "", []
            self._mode, self._pending = "text", []
            delta = head
        return self._scan(delta)

    def _scan(self, text: str) -> tuple[str, list[ToolCall]]:
        out: list[str] = []
        new: list[ToolCall] = []
        while text:
            if self._call is None:
                buf, self._buf = self._buf + text, ""
                start = buf.find(OPEN)
                if start < 0:
                    keep = _partial_suffix(buf, OPEN)
                    out.append(buf[: len(buf) - keep])
                    self._buf = buf[len(buf) - keep :]
                    break
                out.append(buf[:start])
                self._call, self._tail, text = [], "", buf[start:]
                continue
            self._call.append(text)
            window = self._tail + text
            hit = window.find(CLOSE)
            if hit < 0:
                self._tail = window[-(len(CLOSE) - 1) :]
                break
            whole = "".join(self._call)
            close = len(whole) - len(window) + hit
            call = call_from_obj(_loads(whole[len(OPEN) : close].strip()))
            if call is None:
                out.append(whole[: close + len(CLOSE)])
            else:
                new.append(call)
            self._call, self._tail, text = None, "", whole[close + len(CLOSE) :]
        self.calls.extend(new)
        return "".join(out), new

    def finish(self) -> tuple[str, list[ToolCall]]:
        """End of generation: decide whatever is still held."""
        if self._mode != "text":
            rest, self._pending = "".join(self._pending), []
            calls = parse_llama3(rest) if self._mode == "json" else None
            if calls:
                self.calls.extend(calls)
                return "", calls
            return rest, []
        if self._call is None:
            rest, self._buf = self._buf, ""
            return rest, []
        whole, self._call = "".join(self._call), None
        call = call_from_obj(_loads(whole[len(OPEN) :].strip()))
        if call is None:
            return whole, []
        self.calls.append(call)
        return "", [call]


def _partial_suffix(text: str, token: str) -> int:
    """Length of the longest suffix of text that is a proper prefix of token."""
    for n in range(min(len(token) - 1, len(text)), 0, -1):
        if text.endswith(token[:n]):
            return n
    return 0
