"""Tool calls in generated text, read as the text arrives (pure).

Two styles are read, whatever the template: Hermes/Qwen `<tool_call>{json}</tool_call>`
blocks in free text, and Llama-3 JSON replies (`{"name": ..., "parameters": ...}`,
optionally after `<|python_tag|>`, several separated by `;`). A grammar-forced call is
one such JSON object.

Each call streams as OpenAI's do: its first piece has the id and name, then its
arguments follow piece by piece as the model writes them, exactly as written (the unary
answer assembles the same pieces). Text that may start a call is held until it is
decided; text that turns out not to be a call is content. Work is linear in the text.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

from .types import ToolCall, ToolCallDelta

OPEN, CLOSE = "<tool_call>", "</tool_call>"
PYTHON_TAG = "<|python_tag|>"
_NAME = re.compile(r'"name"\s*:\s*"((?:[^"\\]|\\.){1,256})"')
_ARGUMENTS = re.compile(r'"(?:arguments|parameters)"\s*:\s*')
MAX_HEAD = 4096  # text before a call's arguments: past this it is not a call


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


@dataclass
class _ValueEnd:
    """Where a JSON value ends, as its text arrives (strings, escapes, nesting)."""

    kind: str = ""  # its first character: "{", "[", '"' or a scalar's
    depth: int = 0
    in_string: bool = False
    escape: bool = False

    def feed(self, text: str) -> int | None:
        """Index in `text` just past the value's end, or None if it goes on."""
        for i, ch in enumerate(text):
            if not self.kind:
                if ch.isspace():
                    continue
                self.kind = ch
                self.in_string = ch == '"'
                self.depth = 1 if ch in "{[" else 0
                continue
            if self.in_string:
                if self.escape:
                    self.escape = False
                elif ch == "\\":
                    self.escape = True
                elif ch == '"':
                    self.in_string = False
                    if self.kind == '"':
                        return i + 1
                continue
            if ch == '"':
                self.in_string = True
            elif ch in "{[":
                self.depth += 1
            elif ch in "}]":
                self.depth -= 1
                if self.depth == 0:
                    return i + 1
            elif self.kind not in '{["' and (ch in ",}]" or ch.isspace()):
                return i
        return None


@dataclass
class CallReader:
    """One call's JSON object as its text arrives."""

    index: int
    id: str = field(default_factory=new_call_id)
    name: str | None = None
    done: bool = False  # its arguments are complete
    raw: list[str] = field(default_factory=list)  # everything fed, in case it is no call
    rest: str = ""  # text after the arguments
    _head: str = ""
    _value: _ValueEnd | None = None
    _args: list[str] = field(default_factory=list)  # arguments written, not yet sent
    _sent_head: bool = False
    _sent_args: bool = False

    def feed(self, text: str) -> list[ToolCallDelta]:
        self.raw.append(text)
        if self._value is None:
            self._head += text
            found = _ARGUMENTS.search(self._head)
            if found is not None:
                text, self._head = self._head[found.end() :], self._head[: found.start()]
                self._value = _ValueEnd()
            else:
                text = ""
        if self._value is not None and not self.done and text:
            end = self._value.feed(text)
            self._args.append(text if end is None else text[:end])
            if end is not None:
                self.done, self.rest = True, text[end:]
        elif self.done:
            self.rest += text
        return self._pieces()

    @property
    def failed(self) -> bool:
        """Too much text without a call's structure: it is none."""
        return self._value is None and len(self._head) > MAX_HEAD

    def finish(self) -> list[ToolCallDelta]:
        """The end of its text: what is left (a call cut short keeps what it has)."""
        return self._pieces(final=True)

    def _pieces(self, final: bool = False) -> list[ToolCallDelta]:
        if self.name is None:
            found = _NAME.search(self._head) or _NAME.search(self.rest)
            if found is None:
                return []
            self.name = json.loads(f'"{found.group(1)}"')
        out = []
        if not self._sent_head:
            self._sent_head = True
            out.append(ToolCallDelta(self.index, "", self.id, self.name))
        if self._value is not None and self._value.kind == '"':
            if self.done and self._args:  # arguments written as a JSON string
                out.append(ToolCallDelta(self.index, _unquoted("".join(self._args))))
                self._args = []
            return out
        written = "".join(self._args)
        if not (self._sent_args or written.strip()):
            return out
        if not self._sent_args:
            written = written.lstrip()
        if written:
            out.append(ToolCallDelta(self.index, written))
            self._sent_args = True
        self._args = []
        return out


def _unquoted(literal: str) -> str:
    try:
        value = json.loads(literal)
    except ValueError:
        return literal.strip()
    return value if isinstance(value, str) else json.dumps(value)


class StreamingToolParser:
    """Feed text deltas; get back the content to send now and the tool-call pieces."""

    def __init__(self) -> None:
        self._mode = "start"  # "start" (nothing but whitespace yet), "json" or "text"
        self._lead: list[str] = []  # start: the text so far
        self._buf = ""  # text: a possible start of "<tool_call>" at the end (short)
        self._tail = ""  # text: the open call's last characters, to find its close
        self._reader: CallReader | None = None  # the call being read
        self._calls = 0
        self._content: list[str] = []  # json: text that turned out to be no call

    @property
    def calls(self) -> int:
        return self._calls

    def feed(self, delta: str) -> tuple[str, list[ToolCallDelta]]:
        if self._mode == "start":
            self._lead.append(delta)
            if not delta.strip():
                return "", []
            lead = "".join(self._lead).lstrip()  # joined once per visible piece: linear
            if PYTHON_TAG.startswith(lead):
                return "", []
            if lead.startswith(("{", PYTHON_TAG)):
                self._mode = "json"
                delta = lead.removeprefix(PYTHON_TAG)
            else:
                self._mode, delta = "text", "".join(self._lead)
        if self._mode == "json":
            return "", self._json(delta)
        return self._text(delta)

    def finish(self) -> tuple[str, list[ToolCallDelta]]:
        """End of generation: decide whatever is still held."""
        if self._mode == "start":
            return "".join(self._lead), []
        pieces: list[ToolCallDelta] = []
        content = "".join(self._content) + self._buf
        if self._reader is not None:
            reader, self._reader = self._reader, None
            pieces, leftover = self._close(reader, unclosed=True)
            content += leftover
        return content, pieces

    def _new_reader(self) -> CallReader:
        return CallReader(self._calls)

    def _close(self, reader: CallReader, unclosed: bool = False) -> tuple[list[ToolCallDelta], str]:
        """A call's text is over: its last pieces, or its text back as content if it
        never was a call."""
        pieces = reader.finish()
        if reader.name is None:
            raw = "".join(reader.raw)
            return pieces, (raw if self._mode == "json" else OPEN + raw)
        self._calls += 1
        return pieces, ""

    def _json(self, text: str) -> list[ToolCallDelta]:
        """A reply of JSON calls: one object after another, `;` or spaces between."""
        pieces: list[ToolCallDelta] = []
        while text:
            if self._reader is None:
                if self._calls and not text.lstrip("; \n\t\r"):
                    return pieces
                self._reader = self._new_reader()
                text = text.lstrip("; \n\t\r") if self._calls else text
            reader = self._reader
            pieces += reader.feed(text)
            text = ""
            if reader.failed:
                self._content.append("".join(reader.raw))
                self._reader, self._mode = None, "text"
                return pieces
            end = reader.rest.find("}") if reader.done and reader.name is not None else -1
            if end >= 0:
                text = reader.rest[end + 1 :]
                more, _ = self._close(reader)
                pieces += more
                self._reader = None
        return pieces

    def _text(self, text: str) -> tuple[str, list[ToolCallDelta]]:
        """Free text with `<tool_call>` blocks in it."""
        out: list[str] = []
        pieces: list[ToolCallDelta] = []
        while text:
            if self._reader is None:
                buf, self._buf = self._buf + text, ""
                start = buf.find(OPEN)
                if start < 0:
                    keep = _partial_suffix(buf, OPEN)
                    out.append(buf[: len(buf) - keep])
                    self._buf = buf[len(buf) - keep :]
                    break
                out.append(buf[:start])
                self._reader, self._tail, text = self._new_reader(), "", buf[start + len(OPEN) :]
                continue
            window = self._tail + text
            hit = window.find(CLOSE)
            if hit < 0:
                keep = _partial_suffix(window, CLOSE)
                body = window[len(self._tail) : len(window) - keep]
                self._tail = window[len(window) - keep :]
                pieces += self._reader.feed(body)
                break
            body = window[len(self._tail) : hit]
            pieces += self._reader.feed(body)
            more, leftover = self._close(self._reader)
            pieces += more
            if leftover:
                out.append(leftover + CLOSE)
            self._reader, self._tail, text = None, "", window[hit + len(CLOSE) :]
        return "".join(out), pieces


def cut_call(text: str, names: tuple[str, ...]) -> ToolCallDelta:
    """A forced call that max_tokens cut before its name was whole, as the one call it
    was becoming: the tool whose name fits what was written, the arguments so far."""
    found = re.search(r'"name"\s*:\s*"((?:[^"\\]|\\.)*)', text)
    partial = found.group(1) if found else ""
    fitting = [n for n in names if n.startswith(partial)] or list(names) or [partial]
    arguments = _ARGUMENTS.search(text)
    return ToolCallDelta(0, text[arguments.end() :] if arguments else "", new_call_id(), fitting[0])


def read_calls(text: str) -> tuple[str | None, list[ToolCall]]:
    """Whole generated text -> (content, tool calls), read as a stream would be."""
    parser = StreamingToolParser()
    content, pieces = parser.feed(text)
    rest, more = parser.finish()
    return (content + rest) or None, assembled([*pieces, *more])


def assembled(pieces: list[ToolCallDelta]) -> list[ToolCall]:
    """Tool-call pieces -> whole calls, in index order."""
    calls: dict[int, list[ToolCallDelta]] = {}
    for piece in pieces:
        calls.setdefault(piece.index, []).append(piece)
    return [
        ToolCall(parts[0].id or "", parts[0].name or "", "".join(p.arguments for p in parts))
        for _, parts in sorted(calls.items())
    ]


def _partial_suffix(text: str, marker: str) -> int:
    """Length of the longest end of `text` that begins `marker`."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0
