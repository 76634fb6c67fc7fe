"""The compact JSON grammar through the real grammar engine: every answer it lets out
parses, validates against its schema and has no whitespace between tokens.

The engine samples from a stand-in model with flat logits (the grammar checker's), so
each answer is a random walk over everything the grammar admits, with the default
model's real vocabulary: far more varied than any model's answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from litellm_ov_provider.engine.worker.grammar import serialized, zero_logits_model
from litellm_ov_provider.request.json_grammar import compact_grammar
from testbed.json_text import written_compact

SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "properties": {"tz": {"type": "string", "maxLength": 8}},
        "required": ["tz"],
    },
    {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "minimum": 0},
            "b": {"type": "boolean"},
            "c": {"enum": ["x", "y", 3]},
            "d": {"type": "number"},
        },
        "required": ["b"],
    },
    {
        "type": "object",
        "properties": {
            "a": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3},
            "n": {"type": ["string", "null"], "maxLength": 3},
        },
        "required": ["a", "n"],
        "additionalProperties": False,
    },
    {"type": "array", "items": {"const": 1}, "minItems": 3},
    {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "v": {"type": "integer"},
                    "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]},
                },
                "required": ["v", "next"],
            }
        },
        "$ref": "#/$defs/node",
    },
    {
        "anyOf": [
            {
                "type": "object",
                "properties": {"name": {"const": "get_time"}, "arguments": {"type": "object"}},
                "required": ["name", "arguments"],
            },
            {"type": "object", "properties": {"q": {"type": "string", "minLength": 2}}},
        ]
    },
]


@pytest.fixture(scope="module")
def walker(model_ir: Path) -> Any:
    import openvino as ov
    import openvino_genai as ov_genai

    tokenizer = ov_genai.Tokenizer(str(model_ir))
    vocab = max(tokenizer.get_vocab().values()) + 1
    xml, weights = serialized(ov, zero_logits_model(vocab))
    return ov_genai, ov_genai.LLMPipeline(xml, weights, tokenizer, "CPU")


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
def test_every_walk_through_the_grammar_is_compact_valid_json(
    walker: Any, schema: dict[str, Any]
) -> None:
    ov_genai, pipe = walker
    grammar = compact_grammar(schema)
    assert grammar is not None
    config = ov_genai.GenerationConfig(max_new_tokens=48, do_sample=True, temperature=1.0)
    structured = ov_genai.StructuredOutputConfig()
    structured.grammar = grammar
    config.structured_output_config = structured
    finished = 0
    for seed in range(12):
        config.rng_seed = seed
        out = str(pipe.generate("x", config))
        try:
            value = json.loads(out)
        except json.JSONDecodeError:
            continue  # cut off by max_new_tokens
        finished += 1
        jsonschema.validate(value, schema)
        assert written_compact(out), out
    assert finished >= 6
