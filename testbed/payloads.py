"""Large request payloads."""

from __future__ import annotations

from typing import Any


def many_tools(n: int) -> list[dict[str, Any]]:
    """n distinct tools, each with a small schema of its own."""
    return [
        {
            "type": "function",
            "function": {
                "name": f"tool_{i}",
                "description": f"Look up record {i} in table {i % 17}.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer", "minimum": 0},
                        "table": {"type": "string", "enum": [f"t{i % 17}", "other"]},
                        "note": {"type": "string", "maxLength": 64},
                    },
                    "required": ["id"],
                },
            },
        }
        for i in range(n)
    ]
