"""A router model's question and answer (pure).

The router model sees the specialists' names and descriptions and the request (cut
to a budget), and answers through a JSON schema whose only strings are specialist
names: {"pick": "<name>"} for one, {"picks": [...]} for up to `max_picks`. Our node
compiles that schema to a grammar; a remote OpenAI-compatible model gets it as
structured output. Whatever comes back is checked again here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..types import Message, Specialist

SYSTEM = (
    "You route a user's request to the specialist best suited to answer it. "
    "The specialists:\n{listing}\n"
    "Answer with JSON only, naming {how}."
)


class UnusablePick(ValueError):
    """The router model's answer names no specialist of the board."""


def names_schema(names: Sequence[str], max_picks: int = 1) -> dict[str, Any]:
    """The JSON schema that admits only `names`: one, or 1..max_picks distinct."""
    enum = {"type": "string", "enum": list(names)}
    if max_picks <= 1:
        props: dict[str, Any] = {"pick": enum}
        return {"type": "object", "properties": props, "required": ["pick"]}
    picks = {"type": "array", "items": enum, "minItems": 1, "maxItems": max_picks}
    return {"type": "object", "properties": {"picks": picks}, "required": ["picks"]}


def response_format(names: Sequence[str], max_picks: int = 1) -> dict[str, Any]:
    schema = names_schema(names, max_picks)
    return {"type": "json_schema", "json_schema": {"name": "route", "schema": schema}}


def cut(text: str, budget: int) -> str:
    """`text` within `budget` characters: its start and its end, the middle elided
    (a request's task is often stated last)."""
    if len(text) <= budget:
        return text
    head = budget * 2 // 3
    return text[:head] + " [...] " + text[len(text) - (budget - head) :]


def router_messages(
    specialists: Sequence[Specialist], query: str, budget: int, max_picks: int = 1
) -> list[Message]:
    listing = "\n".join(f"- {s.name}: {s.description or s.name}" for s in specialists)
    how = "the one specialist" if max_picks <= 1 else f"up to {max_picks} specialists"
    system = SYSTEM.format(listing=listing, how=how)
    return [{"role": "system", "content": system}, {"role": "user", "content": cut(query, budget)}]


def parse_picks(text: str, names: Sequence[str], max_picks: int = 1) -> tuple[str, ...]:
    """The specialists a router model's answer names, in its order, without repeats;
    UnusablePick when it names none of `names`."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    found: list[Any] = []
    if isinstance(data, dict):
        value = data.get("picks", data.get("pick"))
        found = value if isinstance(value, list) else [value]
    elif isinstance(data, str):
        found = [data]
    elif data is None:
        found = [text.strip().strip('"')]
    picks = tuple(dict.fromkeys(p for p in found if isinstance(p, str) and p in names))
    if not picks:
        raise UnusablePick("the router model named no specialist of the board")
    return picks[: max(1, max_picks)]
