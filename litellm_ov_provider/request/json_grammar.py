"""A JSON schema as a compact EBNF grammar (XGrammar's, which GenAI compiles) (pure).

GenAI compiles a `json_schema` with whitespace allowed between every token, and a small
model spends its tokens on it: "a JSON object describing a cat" came back indented and
nested past 80 tokens, and a forced tool call ran away in newlines. This grammar admits
the same JSON without whitespace (`{"a":1,"b":[2,3]}`), which is also what the prompt
shows. It covers what tools and response formats use (types, properties, required,
enum, const, anyOf/oneOf, items and their counts, string lengths, $ref to $defs,
non-negative integers); for anything else (pattern, format, other numeric bounds,
allOf...) `compact_grammar` says None and GenAI's own json_schema is used, which
checks the schema in full.

An object's declared properties come in the schema's order, optional ones may be left
out, and no others are written (with no properties declared, any keys are).
"""

from __future__ import annotations

import json
import re
from typing import Any

# fmt: off
_IGNORED = frozenset({
    "title", "description", "examples", "default", "$schema", "$id", "$comment",
    "deprecated", "readOnly", "writeOnly", "strict", "name", "$defs", "definitions",
})
_HANDLED = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "minItems",
    "maxItems", "enum", "const", "anyOf", "oneOf", "$ref", "minLength", "maxLength",
    "nullable", "minimum", "exclusiveMinimum",
})
# fmt: on
_BASE = r"""ws_free_escape ::= ["\\/bfnrt] | "u" [A-Fa-f0-9] [A-Fa-f0-9] [A-Fa-f0-9] [A-Fa-f0-9]
json_char ::= [^"\\\0-\x1f] | "\\" ws_free_escape
json_string_rest ::= "\"" | [^"\\\0-\x1f] json_string_rest | "\\" ws_free_escape json_string_rest
json_string ::= "\"" json_string_rest
json_integer ::= "-"? ("0" | [1-9] [0-9]*)
json_number ::= json_integer ("." [0-9]+)? ([eE] [+\-]? [0-9]+)?
json_boolean ::= "true" | "false"
json_null ::= "null"
json_value ::= json_object | json_array | json_string | json_number | json_boolean | json_null
json_object ::= "{" (json_string ":" json_value ("," json_string ":" json_value)*)? "}"
json_array ::= "[" (json_value ("," json_value)*)? "]"
"""
_SIMPLE = {
    "string": "json_string",
    "number": "json_number",
    "integer": "json_integer",
    "boolean": "json_boolean",
    "null": "json_null",
}


class Unsupported(Exception):
    """The schema uses something this converter does not cover."""


def literal(text: str) -> str:
    """`text` as an EBNF string literal."""
    escaped = "".join(
        "\\" + ch if ch in '"\\' else (f"\\x{ord(ch):02x}" if ord(ch) < 0x20 else ch) for ch in text
    )
    return f'"{escaped}"'


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class _Builder:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.rules: dict[str, str] = {}
        self._refs: dict[str, str] = {}

    def rule(self, name: str, body: str) -> str:
        self.rules[name] = body
        return name

    def new(self, hint: str) -> str:
        return f"{re.sub(r'[^A-Za-z0-9_]', '_', hint)}_{len(self.rules)}"

    def value(self, schema: Any, hint: str) -> str:
        """The rule (or expression) for a value matching `schema`."""
        if schema is True or schema == {}:
            return "json_value"
        if not isinstance(schema, dict):
            raise Unsupported("a schema that is not an object")
        unknown = set(schema) - _HANDLED - _IGNORED
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        if "$ref" in schema:
            return self._ref(schema["$ref"])
        if "const" in schema:
            return literal(compact(schema["const"]))
        if "enum" in schema:
            return "(" + " | ".join(literal(compact(v)) for v in schema["enum"]) + ")"
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.value(s, f"{hint}_{key}") for s in schema[key]]
                return "(" + " | ".join(options) + ")"
        return self._typed(schema, hint)

    def _typed(self, schema: dict[str, Any], hint: str) -> str:
        kinds = schema.get("type")
        kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
        if schema.get("nullable") is True:
            kinds.append("null")
        if not kinds:
            return "json_value"
        options = [self._one(kind, schema, hint) for kind in kinds]
        return options[0] if len(options) == 1 else "(" + " | ".join(options) + ")"

    def _one(self, kind: str, schema: dict[str, Any], hint: str) -> str:
        if kind == "object":
            return self._object(schema, hint)
        if kind == "array":
            return self._array(schema, hint)
        if kind == "string" and ("minLength" in schema or "maxLength" in schema):
            low, high = _bounds(schema, "minLength", "maxLength")
            return self.rule(self.new(hint), f'"\\"" json_char{{{low},{high}}} "\\""')
        if kind == "integer" and ("minimum" in schema or "exclusiveMinimum" in schema):
            return _counting(schema)
        if kind not in _SIMPLE or "minimum" in schema or "exclusiveMinimum" in schema:
            raise Unsupported(f"type {kind!r}")
        return _SIMPLE[kind]

    def _object(self, schema: dict[str, Any], hint: str) -> str:
        props = schema.get("properties") or {}
        if not props:
            if schema.get("additionalProperties") is False:
                return literal("{}")
            return "json_object"
        required = set(schema.get("required") or ())
        if not required <= set(props):
            raise Unsupported("a required property that is not declared")
        name = self.new(hint)
        items = [
            (f'{literal(compact(key))} ":" {self.value(sub, f"{hint}_{key}")}', key in required)
            for key, sub in props.items()
        ]
        # after (_t<i>): properties i.. once one has been written (each after a comma);
        # first (_h<i>): properties i.. with none written yet.
        after, first = '""', '""'
        for i, (item, needed) in reversed(list(enumerate(items))):
            skip_after, skip_first = ("", "") if needed else (f" | {after}", f" | {first}")
            first = self.rule(f"{name}_h{i}", f"{item} {after}{skip_first}")
            after = self.rule(f"{name}_t{i}", f'"," {item} {after}{skip_after}')
        return self.rule(name, f'"{{" {first} "}}"')

    def _array(self, schema: dict[str, Any], hint: str) -> str:
        item = self.value(schema.get("items", True), f"{hint}_item")
        low, high = _bounds(schema, "minItems", "maxItems")
        more = f'("," {item})'
        if high == "":
            rest = f"{more}*"
        elif int(high) == 0:
            return literal("[]")
        elif int(high) == 1:
            rest = ""
        else:
            rest = f"{more}{{{max(int(low) - 1, 0)},{int(high) - 1}}}"
        body = f'"[" {item} {rest} "]"'
        if int(low) == 0:
            body += ' | "[" "]"'
        elif high == "" and int(low) > 1:
            body = f'"[" {item} {" ".join([more] * (int(low) - 1))} {more}* "]"'
        return self.rule(self.new(hint), body)

    def _ref(self, ref: Any) -> str:
        if not isinstance(ref, str) or not ref.startswith(("#/$defs/", "#/definitions/")):
            raise Unsupported(f"$ref {ref!r}")
        if ref not in self._refs:
            section, key = ref.removeprefix("#/").split("/", 1)
            target = (self.root.get(section) or {}).get(key)
            if target is None:
                raise Unsupported(f"$ref {ref!r} points nowhere")
            name = self._refs[ref] = self.new(f"ref_{key}")
            self.rule(name, "json_null")  # placeholder: a ref may point back at itself
            self.rules[name] = self.value(target, f"ref_{key}")
        return self._refs[ref]


def _counting(schema: dict[str, Any]) -> str:
    """A non-negative or positive integer (`minimum` 0 or 1, `exclusiveMinimum` 0):
    the bounds counts and sizes use; any other bound is left to GenAI."""
    bounds = {key: schema[key] for key in ("minimum", "exclusiveMinimum") if key in schema}
    low = {("minimum", 0): 0, ("minimum", 1): 1, ("exclusiveMinimum", 0): 1}.get(
        next(iter(bounds.items())) if len(bounds) == 1 else ("", 0)
    )
    if low is None or any(isinstance(v, bool) for v in bounds.values()):
        raise Unsupported("numeric bounds")
    return '("0" | [1-9] [0-9]*)' if low == 0 else "[1-9] [0-9]*"


def _bounds(schema: dict[str, Any], low_key: str, high_key: str) -> tuple[str, str]:
    low, high = schema.get(low_key, 0), schema.get(high_key)
    for bound in (low, high):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise Unsupported(f"{low_key}/{high_key} that are not integers")
    return str(low), "" if high is None else str(high)


def compact_grammar(schema: dict[str, Any]) -> str | None:
    """The grammar for `schema`'s JSON without whitespace, or None when this converter
    does not cover the schema (GenAI's json_schema then applies)."""
    builder = _Builder(schema)
    try:
        root = builder.value(schema, "root")
    except (Unsupported, RecursionError):
        return None
    rules = [f"root ::= {root}", *(f"{k} ::= {v}" for k, v in builder.rules.items())]
    return "\n".join(rules) + "\n" + _BASE
