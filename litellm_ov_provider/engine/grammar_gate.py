"""Structured-output grammars are compiled before a request joins the batch.

`GrammarGate.check` asks the model's grammar checker (engine/grammar_worker.py) to
compile a schema within a time limit. A schema the compiler rejects, or cannot finish
in time, is a 400 naming the construct; the checker is killed when it overruns and
started again for the next check. Verdicts are cached per schema (bounded), so an
agent that sends the same tools every turn pays once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import InvalidRequest
from ..lru import Lru
from .interface import Engine
from .protocol import Constraint

log = logging.getLogger(__name__)

TRIVIAL = Constraint("json_schema", json.dumps({"type": "object"}))
_BOUND_KEYS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
_BIG_BOUND = 256  # measured: maxLength 5000 took 5 s to compile, 200 x maxLength 500 6 s
_DEEP = 16


def suspects(schema: Any, where: str, depth: int = 0) -> Iterator[str]:
    """Constructs that make a grammar slow to compile: large length or count bounds,
    long regex repetitions, deep nesting. Names them by their place in the schema."""
    if depth > _DEEP:
        yield f"{where} (nested more than {_DEEP} levels deep)"
        return
    if isinstance(schema, dict):
        for key in _BOUND_KEYS:
            value = schema.get(key)
            if isinstance(value, int) and value > _BIG_BOUND:
                yield f"{where}.{key} = {value}"
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and any(n > _BIG_BOUND for n in _repetitions(pattern)):
            yield f"{where}.pattern {pattern[:60]!r}"
        for key, value in schema.items():
            if isinstance(value, dict | list):
                yield from suspects(value, f"{where}.{key}", depth + 1)
    elif isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from suspects(item, f"{where}[{i}]", depth + 1)


def _repetitions(pattern: str) -> Iterator[int]:
    for match in re.finditer(r"\{(\d{1,9})(?:,(\d{0,9}))?\}", pattern):
        yield max(int(match.group(1)), int(match.group(2) or 0))


class GrammarGate:
    """One model's grammar checker, started on first use, one check at a time."""

    def __init__(self, start: Callable[[], Engine], timeout: float) -> None:
        self._start = start
        self._timeout = timeout
        self._client: Engine | None = None
        self._lock = asyncio.Lock()
        # constraint -> None (it compiles) or why not
        self._verdicts: Lru[Constraint, str | None] = Lru(256)
        self._verdicts.put(TRIVIAL, None)

    async def check(self, constraint: Constraint, param: str) -> None:
        """Raise InvalidRequest unless the engine compiles `constraint` in time."""
        if constraint not in self._verdicts:
            async with self._lock:  # one compile per constraint, even when asked at once
                if constraint not in self._verdicts:
                    self._verdicts.put(constraint, await self._compile(constraint))
        verdict = self._verdicts[constraint]
        if verdict is not None:
            raise InvalidRequest(f"{param}: {verdict}", param=param)

    async def _compile(self, constraint: Constraint) -> str | None:
        client = await self._running()
        source = constraint.text if constraint.kind == "json_schema" else constraint.schema
        what = "schema" if source else "grammar"
        try:
            await asyncio.wait_for(client.check_grammar(constraint), self._timeout)
        except InvalidRequest as exc:
            return f"the grammar engine cannot compile this {what}: {exc.message}"
        except TimeoutError:
            log.warning("a grammar took longer than %.1f s to compile; rejected", self._timeout)
            await self.close()
            named = list(suspects(json.loads(source), "schema"))[:3] if source else []
            hint = f" (look at {', '.join(named)})" if named else ""
            return (
                f"the grammar engine cannot compile this {what} within {self._timeout:g} s"
                f"{hint}; use smaller length or count bounds, shallower nesting or "
                "simpler patterns"
            )
        return None

    async def _running(self) -> Engine:
        if self._client is None or not self._client.alive:
            self._client = await asyncio.to_thread(self._started)
        return self._client

    def _started(self) -> Engine:
        client = self._start()
        client.wait_ready(120)
        return client

    async def close(self) -> None:
        await asyncio.to_thread(self.kill)

    def kill(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.kill()
