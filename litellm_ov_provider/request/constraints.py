"""What a chat's output must match: tools, tool_choice, response_format, grammar
(pure, validated)."""

from __future__ import annotations

import json
import re
from typing import Any

from ..engine.protocol import Constraint
from ..errors import InvalidRequest
from .json_grammar import compact_grammar
from .schemas import check_schema

TOOL_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EMPTY_PARAMS: dict[str, Any] = {"type": "object", "properties": {}}


def validate_tools(tools: Any) -> list[dict[str, Any]]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise InvalidRequest("tools must be a list", param="tools")
    out = []
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        fn = tool.get("function") if isinstance(tool, dict) else None
        if (
            not isinstance(tool, dict)
            or tool.get("type", "function") != "function"
            or not isinstance(fn, dict)
        ):
            raise InvalidRequest(
                f'{where} must be {{"type": "function", "function": {{...}}}}', param=where
            )
        name = fn.get("name")
        if not isinstance(name, str) or not TOOL_NAME_RE.fullmatch(name):
            raise InvalidRequest(
                f"{where}.function.name must match {TOOL_NAME_RE.pattern}", param=where
            )
        params = check_schema(fn.get("parameters", EMPTY_PARAMS), f"{where}.function.parameters")
        out.append({"type": "function", "function": {**fn, "parameters": params}})
    return out


def tool_schema(tool: dict[str, Any]) -> dict[str, Any]:
    fn = tool["function"]
    return {
        "type": "object",
        "properties": {"name": {"const": fn["name"]}, "arguments": fn["parameters"]},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def forced_tools(tools: list[dict[str, Any]], choice: Any) -> list[dict[str, Any]] | None:
    """The tools generation must call, or None when the model may answer freely."""
    if choice in (None, "auto", "none"):
        return None
    if choice == "required":
        if not tools:
            raise InvalidRequest('tool_choice "required" needs tools', param="tool_choice")
        return tools
    name = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    if not isinstance(name, str):
        raise InvalidRequest(
            'tool_choice must be "none", "auto", "required" or {"type": "function", '
            '"function": {"name": ...}}',
            param="tool_choice",
        )
    chosen = [t for t in tools if t["function"]["name"] == name]
    if not chosen:
        raise InvalidRequest(
            f"tool_choice names {name!r}, which is not in tools", param="tool_choice"
        )
    return chosen


def response_schema(fmt: Any) -> dict[str, Any] | None:
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict) or "schema" not in spec:
            raise InvalidRequest(
                "response_format.json_schema.schema is required", param="response_format"
            )
        return check_schema(spec["schema"], "response_format.json_schema.schema")
    raise InvalidRequest(
        'response_format.type must be "text", "json_object" or "json_schema"',
        param="response_format",
    )


def constraint(params: dict[str, Any], schema: dict[str, Any] | None) -> Constraint | None:
    """What the output must match: a JSON schema (tools, response_format), written
    without whitespace where the compact grammar covers it, or the EBNF `grammar` a
    client sends (llama.cpp's field; XGrammar's EBNF, GBNF-like)."""
    grammar = params.get("grammar")
    if grammar is None:
        if schema is None:
            return None
        text = json.dumps(schema)
        compact = compact_grammar(schema)
        if compact is not None:
            return Constraint("grammar", compact, schema=text)
        return Constraint("json_schema", text)
    if not isinstance(grammar, str) or not grammar.strip():
        raise InvalidRequest("grammar must be a non-empty EBNF grammar", param="grammar")
    if schema is not None:
        raise InvalidRequest(
            "grammar cannot be combined with response_format or a required tool call",
            param="grammar",
        )
    return Constraint("grammar", grammar)


def constraint_param(params: dict[str, Any], forced: bool) -> str:
    """The request field a failed constraint is reported against."""
    if forced:
        return "tools"
    return "grammar" if params.get("grammar") is not None else "response_format"
