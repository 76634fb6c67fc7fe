"""Pinned models: loaded, and run once, before the node says it is ready, and never
unloaded by the idle TTL or the loaded-model cap (OV_PINNED_MODELS; `make run` and
the service pin the default model). An always-on box should not make its first user
wait for a load nobody else could have waited for."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from ..errors import NodeError
from .chat import complete
from .runtime import Runtime

log = logging.getLogger(__name__)
Through = Callable[[str], Awaitable[None]]
LOADING, READY = "loading", "ready"
# One token through the whole path (template, engine, detokenizer): the first real
# request then finds every kernel compiled.
WARM_MESSAGES = [{"role": "user", "content": "Hi"}]
_states: dict[str, str] = {}


def pinned_states() -> dict[str, str]:
    """Each pinned model: loading, ready, or failed: why."""
    return dict(_states)


def readiness() -> tuple[bool, dict[str, int]]:
    """Whether no pinned model is still loading, and how many are in each state
    (names stay out: readiness is asked without a key)."""
    counts = Counter(state.split(":", 1)[0] for state in _states.values())
    return counts[LOADING] == 0, dict(counts)


async def warm_pinned(runtime: Runtime, through: Through | None = None) -> None:
    """Load and run each pinned model once, in order; a model that cannot be loaded is
    logged and reported, and never holds readiness back for good. `through` runs the
    chat models' first request the way clients' will (the front door's HTTP path: its
    first request paid ~300 ms of LiteLLM's own first-time work)."""
    names = runtime.settings.pinned
    _states.update({name: LOADING for name in names})
    for name in names:
        start = time.monotonic()
        try:
            model = await runtime.resolve(name, None)
            await runtime.pool.load(model)
            if model.entry.mode == "chat":
                await complete(runtime, name, WARM_MESSAGES, {"max_tokens": 1})
                if through is not None:
                    await through(name)
        except NodeError as exc:
            _states[name] = f"failed: {exc.message}"
            log.error("pinned model %s could not be loaded: %s", name, exc.message)
            continue
        _states[name] = READY
        log.info("pinned model %s loaded and warm in %.1f s", name, time.monotonic() - start)
