"""OpenAI request parameters -> an engine request (pure, validated).

Everything a client can get wrong is checked here and raised as InvalidRequest,
so the edge can answer 400 before the engine sees anything.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, replace
from typing import Any

from ..engine.protocol import Sampling
from ..engine.template_caps import TemplateCaps
from ..errors import ContextWindowExceeded, InvalidRequest
from .messages import json_instruction, merge_system, to_template_messages
from .schemas import check_schema

TOOL_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_CHOICES = 8  # `n`: each choice is its own engine request
EMPTY_PARAMS: dict[str, Any] = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class EngineRequest:
    """What the engine runs, plus how to read its output back."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None  # passed to the template when it renders tools
    sampling: Sampling
    parse_tools: bool  # look for tool calls in free text
    forced_tool: bool  # output is exactly one constrained {"name", "arguments"} object
    n: int = 1  # choices: each its own engine request, seeded seed, seed + 1, ...

    def samplings(self) -> list[Sampling]:
        """Each choice's sampling: the same settings, its own seed."""
        seed = self.sampling.seed or 0
        return [replace(self.sampling, seed=(seed + i) % 2**64) for i in range(self.n)]


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


def _tool_schema(tool: dict[str, Any]) -> dict[str, Any]:
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


def _number(params: dict[str, Any], key: str, lo: float, hi: float) -> float | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise InvalidRequest(f"{key} must be a number between {lo} and {hi}", param=key)
    return float(value)


def _max_tokens(params: dict[str, Any], context: int | None) -> int | None:
    key = (
        "max_completion_tokens" if params.get("max_completion_tokens") is not None else "max_tokens"
    )
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest(f"{key} must be an integer >= 1", param=key)
    if context is not None and value >= context:
        raise ContextWindowExceeded(
            f"This model's maximum context length is {context} tokens. However, you "
            f"requested {value} tokens in the completion ({key}). Please reduce the length "
            "of the messages or completion.",
            param=key,
        )
    return value


def _stop_sequences(params: dict[str, Any]) -> tuple[str, ...]:
    stop = params.get("stop")
    if stop is None:
        return ()
    items = [stop] if isinstance(stop, str) else stop
    if (
        not isinstance(items, list)
        or len(items) > 4
        or not all(isinstance(s, str) and s for s in items)
    ):
        raise InvalidRequest("stop must be a string or a list of up to 4 strings", param="stop")
    return tuple(items)


def choices(params: dict[str, Any]) -> int:
    n = params.get("n")
    if n is None:
        return 1
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CHOICES:
        raise InvalidRequest(f"n must be an integer from 1 to {MAX_CHOICES}", param="n")
    return n


def _seed(params: dict[str, Any]) -> int:
    """The request's seed (the engine's is unsigned), or a fresh one: GenAI seeds every
    request with 0 otherwise, so unseeded samples would all be the same."""
    seed = params.get("seed")
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, int) or not -(2**63) <= seed < 2**63:
        raise InvalidRequest("seed must be a 64-bit integer", param="seed")
    return int(seed) % 2**64


def sampling(
    params: dict[str, Any], context: int | None, schema: dict[str, Any] | None
) -> Sampling:
    logprobs, top_logprobs = _logprobs(params)
    top_k = params.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0):
        raise InvalidRequest("top_k must be a non-negative integer", param="top_k")
    top_p = _number(params, "top_p", 0.0, 1.0)
    if top_p is not None and top_p <= 0:
        raise InvalidRequest("top_p must be greater than 0", param="top_p")
    return Sampling(
        max_tokens=_max_tokens(params, context),
        temperature=_number(params, "temperature", 0.0, 2.0),
        top_p=top_p,
        top_k=top_k or None,
        seed=_seed(params),
        stop=_stop_sequences(params),
        presence_penalty=_number(params, "presence_penalty", -2.0, 2.0),
        frequency_penalty=_number(params, "frequency_penalty", -2.0, 2.0),
        repetition_penalty=_number(params, "repetition_penalty", 0.01, 10.0),
        ignore_eos=params.get("ignore_eos") is True,
        json_schema=json.dumps(schema) if schema is not None else None,
        logprobs=logprobs,
        top_logprobs=top_logprobs,
    )


MAX_TOP_LOGPROBS = 20


def _logprobs(params: dict[str, Any]) -> tuple[bool, int]:
    """Whether to report the chosen tokens' log-probabilities, and how many
    alternatives at each place (OpenAI's logprobs and top_logprobs)."""
    wanted = params.get("logprobs")
    if wanted is not None and not isinstance(wanted, bool):
        raise InvalidRequest("logprobs must be true or false", param="logprobs")
    top = params.get("top_logprobs")
    if top is None:
        return bool(wanted), 0
    if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= MAX_TOP_LOGPROBS:
        raise InvalidRequest(
            f"top_logprobs must be an integer from 0 to {MAX_TOP_LOGPROBS}", param="top_logprobs"
        )
    if top and not wanted:
        raise InvalidRequest("top_logprobs needs logprobs: true", param="top_logprobs")
    return bool(wanted), top


def build_request(
    messages: Any, params: dict[str, Any], caps: TemplateCaps, context: int | None
) -> EngineRequest:
    """Validate an OpenAI chat request and turn it into an engine request."""
    tools = validate_tools(params.get("tools"))
    choice = params.get("tool_choice")
    if choice == "none":
        tools = []
    forced = forced_tools(tools, choice)
    schema: dict[str, Any] | None
    rendered = to_template_messages(messages, tools or None, caps)
    if forced:
        schemas = [_tool_schema(t) for t in forced]
        schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    else:
        schema = response_schema(params.get("response_format"))
        if schema is not None:
            rendered = merge_system(rendered, json_instruction(schema), first=False)
    return EngineRequest(
        messages=rendered,
        tools=tools if tools and caps.tools else None,
        sampling=sampling(params, context, schema),
        parse_tools=bool(tools) and not forced,
        forced_tool=bool(forced),
        n=choices(params),
    )
