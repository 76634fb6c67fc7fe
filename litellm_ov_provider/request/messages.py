"""OpenAI chat messages and tools -> the messages a chat template renders (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..engine.template_caps import TemplateCaps
from ..errors import InvalidRequest

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})

HERMES_TOOL_PROMPT = (
    "You are a function calling AI model. You are provided with function signatures "
    "within <tools></tools> XML tags. You may call one or more functions to assist with "
    "the user query. Don't make assumptions about what values to plug into functions. "
    "Here are the available tools: <tools>\n{tools}\n</tools>\n"
    "For each function call return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags as follows:\n<tool_call>\n"
    '{{"name": <function-name>, "arguments": <args-dict>}}\n</tool_call>'
)


def content_text(content: Any, where: str | None = None) -> str:
    """A message's content as one string: a string, or the text parts of a list, one
    per line (as vLLM joins them). With `where` (for a model that reads only text)
    anything else is an InvalidRequest naming `where`; without, it is skipped (for
    reading what a message says, e.g. to route it)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            text = part.get("text") if isinstance(part, dict) else None
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(text, str):
                parts.append(text)
            elif where is not None:
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise InvalidRequest(
                    f"{where}: only text content parts are supported (got {kind!r})", param=where
                )
        return "\n".join(parts)
    if where is None:
        return ""
    raise InvalidRequest(
        f"{where}: content must be a string or a list of text parts, not {type(content).__name__}",
        param=where,
    )


def _tool_call_json(call: Any, where: str) -> tuple[str, dict[str, Any]]:
    fn = call.get("function") if isinstance(call, dict) else None
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise InvalidRequest(f"{where}: each tool call needs function.name", param=where)
    raw = fn.get("arguments") or "{}"
    try:
        args = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"{where}: tool call arguments are not JSON: {exc}") from exc
    if not isinstance(args, dict):
        raise InvalidRequest(f"{where}: tool call arguments must be a JSON object", param=where)
    return fn["name"], args


def _assistant(msg: dict[str, Any], where: str, caps: TemplateCaps) -> dict[str, Any]:
    content = content_text(msg.get("content"), where)
    calls = msg.get("tool_calls") or []
    if not calls:
        return {"role": "assistant", "content": content}
    parsed = [_tool_call_json(c, f"{where}.tool_calls[{i}]") for i, c in enumerate(calls)]
    if caps.tool_calls:
        return {
            "role": "assistant",
            "content": content,
            "tool_calls": [
                {"type": "function", "id": c.get("id", ""), "function": {"name": n, "arguments": a}}
                for c, (n, a) in zip(calls, parsed, strict=True)
            ],
        }
    rendered = "\n".join(
        f"<tool_call>\n{json.dumps({'name': n, 'arguments': a})}\n</tool_call>" for n, a in parsed
    )
    return {"role": "assistant", "content": f"{content}\n{rendered}".strip()}


def to_template_messages(
    messages: Any, tools: list[dict[str, Any]] | None, caps: TemplateCaps
) -> list[dict[str, Any]]:
    """Validate OpenAI messages and shape them for the template. Tools the template
    cannot render itself are described in the system prompt (Hermes format)."""
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("messages must be a non-empty list", param="messages")
    out: list[dict[str, Any]] = []
    for i, msg in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(msg, dict):
            raise InvalidRequest(f"{where} must be an object", param=where)
        role = msg.get("role")
        if role not in ROLES:
            raise InvalidRequest(
                f"{where}: unknown role {role!r}; expected one of {', '.join(sorted(ROLES))}",
                param=f"{where}.role",
            )
        if role == "assistant":
            out.append(_assistant(msg, where, caps))
        elif role == "tool":
            content = content_text(msg.get("content"), where)
            if caps.tool_role:
                out.append(
                    {
                        "role": "tool",
                        "content": content,
                        "tool_call_id": msg.get("tool_call_id", ""),
                    }
                )
            else:
                out.append(
                    {"role": "user", "content": f"<tool_response>\n{content}\n</tool_response>"}
                )
        else:
            role = "system" if role == "developer" else role
            out.append({"role": role, "content": content_text(msg.get("content"), where)})
    if tools and not caps.tools:
        listing = "\n".join(json.dumps(t) for t in tools)
        out = merge_system(out, HERMES_TOOL_PROMPT.format(tools=listing), first=False)
    return out


def merge_system(
    messages: Sequence[Mapping[str, Any]], text: str, *, first: bool
) -> list[dict[str, Any]]:
    """`text` in the leading system message, before its content (`first`: a
    specialist's system prompt) or after it (instructions for the answer's format);
    a system message is added when there is none. Many chat templates accept only one
    system message, and only first."""
    if not messages or messages[0].get("role") != "system":
        return [{"role": "system", "content": text}, *map(dict, messages)]
    lead = dict(messages[0])
    content = lead.get("content")
    if isinstance(content, list):
        part = {"type": "text", "text": text}
        lead["content"] = [part, *content] if first else [*content, part]
    else:
        old = content if isinstance(content, str) else ""
        joined = (text, old) if first else (old, text)
        lead["content"] = "\n\n".join(t for t in joined if t)
    return [lead, *map(dict, messages[1:])]


def json_instruction(schema: dict[str, Any]) -> str:
    """Small models follow a grammar far better when they are also told the shape:
    measured on SmolLM2-135M, 5/5 valid in 94 tokens vs 1/5 in 1202 without it."""
    if schema == {"type": "object"}:
        return "Respond only with a JSON object."
    return f"Respond only with a JSON object that matches this JSON schema:\n{json.dumps(schema)}"
