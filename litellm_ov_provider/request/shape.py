"""The OpenAI request bodies, checked for shape before LiteLLM touches them (pure).

LiteLLM answers 500 for some malformed bodies (a number as `content`, a string as
`messages`) because it fails in its own preprocessing; the front door guard checks
every field the OpenAI API documents here and answers 400 instead. Types and ranges
are OpenAI's; unknown top-level fields pass through (`ignore_eos`, `keep_alive`...),
and what a given model supports (image parts, n > 1) is left to that model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InvalidRequest
from .schemas import check_schema

INT64 = 2**63
Number = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class _Function(_Strict):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class _Tool(_Strict):
    type: str
    function: _Function | None = None

    @model_validator(mode="after")
    def _function_tool(self) -> _Tool:
        if self.type == "function" and self.function is None:
            raise ValueError('a "function" tool needs a `function` object')
        return self


class _CalledFunction(_Strict):
    name: str
    arguments: str | dict[str, Any]


class _ToolCall(_Strict):
    id: str | None = None
    type: str | None = None
    function: _CalledFunction


class _Message(_Strict):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Any = None
    name: str | None = None
    tool_calls: list[_ToolCall] | None = None
    tool_call_id: str | None = None

    @model_validator(mode="after")
    def _has_content(self) -> _Message:
        if self.content is None and self.role in ("system", "developer", "user", "tool"):
            raise ValueError(f"a {self.role} message needs `content`")
        return self

    @field_validator("content", mode="plain")
    @classmethod
    def _content(cls, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if not isinstance(value, list):
            raise ValueError("must be a string, an array of content parts, or null")
        for i, part in enumerate(value):
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                raise ValueError(f"part {i} must be an object with a string `type`")
            if part["type"] == "text" and not isinstance(part.get("text"), str):
                raise ValueError(f"part {i} is a text part without a string `text`")
        return value


class _JsonSchema(_Strict):
    name: str | None = None
    description: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class _ResponseFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: _JsonSchema | None = None


class _StreamOptions(_Strict):
    include_usage: bool | None = None


class ChatBody(_Strict):
    model: str = Field(min_length=1)
    messages: list[_Message] = Field(min_length=1)
    tools: list[_Tool] | None = None
    tool_choice: Any = None
    response_format: _ResponseFormat | None = None
    stop: Any = None
    seed: int | None = Field(default=None, ge=-INT64, lt=INT64)
    temperature: Number | None = Field(default=None, ge=0, le=2)
    top_p: Number | None = Field(default=None, ge=0, le=1)
    n: int | None = Field(default=None, ge=1, le=128)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    presence_penalty: Number | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: Number | None = Field(default=None, ge=-2, le=2)
    logit_bias: dict[str, Annotated[Number, Field(ge=-100, le=100)]] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    stream: bool | None = None
    stream_options: _StreamOptions | None = None
    user: str | None = None
    parallel_tool_calls: bool | None = None
    metadata: dict[str, Any] | None = None
    store: bool | None = None
    service_tier: str | None = None
    reasoning_effort: str | None = None

    @field_validator("stop", mode="plain")
    @classmethod
    def _stop(cls, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise ValueError("must be a string or an array of strings")
        if len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value

    @field_validator("tool_choice", mode="plain")
    @classmethod
    def _tool_choice(cls, value: Any) -> Any:
        if value is None or value in ("none", "auto", "required"):
            return value
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            raise ValueError('must be "none", "auto", "required" or an object with a `type`')
        function = value.get("function")
        if value["type"] == "function" and not (
            isinstance(function, dict) and isinstance(function.get("name"), str)
        ):
            raise ValueError('{"type": "function"} needs function.name (a string)')
        return value


class EmbeddingBody(_Strict):
    model: str = Field(min_length=1)
    input: Any

    @field_validator("input", mode="plain")
    @classmethod
    def _input(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value:
            if all(isinstance(v, str) for v in value) or all(_token(v) for v in value):
                return value
            if all(isinstance(v, list) and v and all(_token(t) for t in v) for v in value):
                return value
        raise ValueError(
            "must be a string, or a non-empty array of strings, of token ids or of token-id arrays"
        )

    encoding_format: Literal["float", "base64"] | None = None
    dimensions: int | None = Field(default=None, ge=1)
    user: str | None = None


def _token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_chat(body: dict[str, Any]) -> None:
    """Raise InvalidRequest (naming the field) unless `body` is a well-formed chat
    completion request, with every JSON schema in it valid (and none to be fetched)."""
    _check(ChatBody, body)
    for i, tool in enumerate(body.get("tools") or ()):
        parameters = (tool.get("function") or {}).get("parameters")
        if parameters is not None:
            check_schema(parameters, f"tools[{i}].function.parameters")
    spec = (body.get("response_format") or {}).get("json_schema") or {}
    if spec.get("schema") is not None:
        check_schema(spec["schema"], "response_format.json_schema.schema")


def check_embedding(body: dict[str, Any]) -> None:
    _check(EmbeddingBody, body)


def _check(model: type[BaseModel], body: dict[str, Any]) -> None:
    try:
        model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = param_path(first["loc"])
        message = first["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if first["type"] == "missing":
            message = "is required"
        elif first["type"] == "too_short":
            message = "must not be empty"
        raise InvalidRequest(f"{where}: {message}", param=where) from None


def param_path(loc: tuple[int | str, ...]) -> str:
    """("messages", 0, "content") -> "messages[0].content"; union branch names dropped."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in part or part in ("str", "int"):
            continue  # a union branch's name, not a field
        else:
            out += f".{part}" if out else part
    return out or "body"
