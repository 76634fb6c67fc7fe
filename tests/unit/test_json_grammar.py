"""The compact JSON grammar's construction (what it emits; tests/e2e/test_json_grammar.py
samples it through the real grammar engine and validates every answer)."""

from __future__ import annotations

import pytest

from litellm_ov_provider.request.json_grammar import compact_grammar, literal


def rules(schema: dict) -> dict[str, str]:
    text = compact_grammar(schema)
    assert text is not None
    return dict(line.split(" ::= ", 1) for line in text.splitlines() if " ::= " in line)


def test_an_object_writes_its_properties_in_order_and_may_leave_out_optional_ones() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "boolean"}},
        "required": ["b"],
    }
    got = rules(schema)
    root = got["root"]
    assert got[root] == f'"{{" {root}_h0 "}}"'
    # "a" may be skipped before anything is written; "b" may not be skipped at all.
    assert got[f"{root}_h0"] == f'"\\"a\\"" ":" json_integer {root}_t1 | {root}_h1'
    assert got[f"{root}_h1"] == '"\\"b\\"" ":" json_boolean ""'
    assert got[f"{root}_t1"] == '"," "\\"b\\"" ":" json_boolean ""'


def test_enums_consts_and_nullable_types_are_alternatives() -> None:
    got = rules({"type": "object", "properties": {"u": {"enum": ["c", 1]}}, "required": ["u"]})
    assert '("\\"c\\"" | "1")' in got[f"{got['root']}_h0"]
    got = rules({"type": ["string", "null"]})
    assert got["root"] == "(json_string | json_null)"


def test_array_bounds() -> None:
    assert rules({"type": "array", "items": {"const": 1}, "maxItems": 0})["root"] == '"[]"'
    got = rules({"type": "array", "items": {"const": 1}, "minItems": 2, "maxItems": 3})
    assert got[got["root"]] == '"[" "1" ("," "1"){1,2} "]"'


def test_recursive_refs_become_recursive_rules() -> None:
    schema = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}},
            }
        },
        "$ref": "#/$defs/node",
    }
    got = rules(schema)
    ref = got["root"]
    assert f"({ref} | json_null)" in got[f"{got[ref]}_h0"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": "^a$"},
        {"type": "integer", "maximum": 9},
        {"type": "number", "minimum": 0},
        {"allOf": [{"type": "object"}]},
        {"$ref": "https://example.com/schema.json"},
        {"$ref": "#/$defs/missing"},
        {"type": "array", "maxItems": 2.5},
        {"type": "object", "properties": {"a": {}}, "required": ["b"]},
        {"type": "tuple"},
    ],
)
def test_what_it_does_not_cover_is_left_to_genai(schema: dict) -> None:
    assert compact_grammar(schema) is None


def test_literals_escape_quotes_backslashes_and_control_characters() -> None:
    assert literal('a"b\\c\n') == '"a\\"b\\\\c\\x0a"'


@pytest.mark.parametrize(
    ("bound", "expected"),
    [
        ({"minimum": 0}, '("0" | [1-9] [0-9]*)'),
        ({"minimum": 1}, "[1-9] [0-9]*"),
        ({"exclusiveMinimum": 0}, "[1-9] [0-9]*"),
        ({"minimum": 2}, None),
        ({"minimum": -1}, None),
        ({"exclusiveMinimum": "0"}, None),
        ({"minimum": True}, None),
        ({"minimum": 0, "exclusiveMinimum": 0}, None),
    ],
)
def test_counts_are_the_only_integer_bounds_it_writes(bound: dict, expected: str | None) -> None:
    grammar = compact_grammar({"type": "integer", **bound})
    assert (grammar and grammar.splitlines()[0]) == (expected and f"root ::= {expected}")
