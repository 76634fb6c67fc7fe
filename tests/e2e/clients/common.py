"""What every client library is asked, and how its answers are checked."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from pydantic import BaseModel

from testbed.models import DEFAULT, TINY_CTX

MODEL = DEFAULT
SMALL_CONTEXT = TINY_CTX  # 96 tokens: any real prompt overflows it
MISSING = "no-such-model"
HELLO = "Say hello."
TOKYO = "What time is it in Tokyo?"
LONG = "Tell me everything about the history of Rome. " * 40
TIME_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"tz": {"type": "string"}},
    "required": ["tz"],
}


class City(BaseModel):
    """The answer a structured-output request asks for."""

    name: str
    country: str


def get_time(tz: str) -> str:
    """Get the current time in a time zone."""
    return f"12:00 in {tz}"


def valid_time_arguments(arguments: str | dict[str, Any]) -> dict[str, Any]:
    value = json.loads(arguments) if isinstance(arguments, str) else arguments
    jsonschema.validate(value, TIME_PARAMETERS)
    return value
