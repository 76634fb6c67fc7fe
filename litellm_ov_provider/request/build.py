"""OpenAI request parameters -> an engine request (pure, validated).

Everything a client can get wrong is checked here and raised as InvalidRequest,
so the edge can answer 400 before the engine sees anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..engine.protocol import Sampling
from ..engine.template_caps import TemplateCaps
from .constraints import (
    constraint,
    constraint_param,
    forced_tools,
    response_schema,
    tool_schema,
    validate_tools,
)
from .fields import refuse_unsupported
from .messages import json_instruction, merge_system, to_template_messages
from .reasoning import Thoughts, template_context
from .sampling import choices, sampling


@dataclass(frozen=True)
class EngineRequest:
    """What the engine runs, plus how to read its output back."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None  # passed to the template when it renders tools
    sampling: Sampling
    parse_tools: bool  # look for tool calls in free text
    forced_tool: bool  # output is exactly one constrained {"name", "arguments"} object
    n: int = 1  # choices: each its own engine request, seeded seed, seed + 1, ...
    reasoning: Thoughts | None = None  # how a reasoning model marks its thoughts
    constraint_param: str = "response_format"  # the field its constraint comes from
    template_context: dict[str, Any] = field(default_factory=dict)  # extra template vars
    forced_names: tuple[str, ...] = ()  # the tools a forced call may name
    parallel_calls: bool = True  # more than one call per answer (parallel_tool_calls)

    def samplings(self) -> list[Sampling]:
        """Each choice's sampling: the same settings, its own seed."""
        seed = self.sampling.seed or 0
        return [replace(self.sampling, seed=(seed + i) % 2**64) for i in range(self.n)]


def build_request(
    messages: Any,
    params: dict[str, Any],
    caps: TemplateCaps,
    context: int | None,
    reasoning: Thoughts | None = None,
) -> EngineRequest:
    """Validate an OpenAI chat request and turn it into an engine request."""
    refuse_unsupported(params)
    tools = validate_tools(params.get("tools"))
    choice = params.get("tool_choice")
    if choice == "none":
        tools = []
    forced = forced_tools(tools, choice)
    schema: dict[str, Any] | None
    rendered = to_template_messages(messages, tools or None, caps)
    if forced:
        schemas = [tool_schema(t) for t in forced]
        schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    else:
        schema = response_schema(params.get("response_format"))
        if schema is not None:
            rendered = merge_system(rendered, json_instruction(schema), first=False)
    return EngineRequest(
        messages=rendered,
        tools=tools if tools and caps.tools else None,
        sampling=sampling(params, context, constraint(params, schema)),
        parse_tools=bool(tools) and not forced,
        forced_tool=bool(forced),
        n=choices(params),
        reasoning=reasoning,
        constraint_param=constraint_param(params, bool(forced)),
        template_context=template_context(params),
        forced_names=tuple(t["function"]["name"] for t in forced or ()),
        parallel_calls=params.get("parallel_tool_calls") is not False,
    )
