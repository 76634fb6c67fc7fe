"""The process-wide node state, built on first use (never at import)."""

from __future__ import annotations

import asyncio
import atexit
import gc
import logging
from dataclasses import dataclass
from functools import lru_cache

from ..engine.pool import ModelPool
from ..errors import InvalidRequest, ModelNotFound, ModelUnavailable
from ..logs import setup_logging
from ..registry.catalog import Catalog
from ..registry.entries import ResolvedModel
from ..settings import Settings, get_settings


@dataclass(frozen=True)
class RequestContext:
    """Who asked, for the per-request log lines."""

    request_id: str = "-"
    client: str = "-"


NO_CTX = RequestContext()


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    catalog: Catalog
    pool: ModelPool

    async def resolve(self, name: str, mode: str | None) -> ResolvedModel:
        """The registry model `name` serving `mode` ("chat" or "embedding"; None: any),
        re-reading the registry once on a miss."""
        model = self.catalog.get(name)
        if model is None:
            await asyncio.to_thread(self.catalog.refresh)
            model = self.catalog.get(name)
        if model is None and (why := self.catalog.broken(name)) is not None:
            raise ModelUnavailable(
                f"model {name!r} cannot be served: {why}; fix its registry entry or files"
            )
        if model is None:
            raise ModelNotFound(
                f"The model `{name}` does not exist or you do not have access to it.",
                param="model",
            )
        if mode is not None and model.entry.mode != mode:
            endpoint = (
                "/v1/embeddings" if model.entry.mode == "embedding" else "/v1/chat/completions"
            )
            raise InvalidRequest(f"model {name!r} is a {model.entry.mode} model; use {endpoint}")
        return model


def freeze_startup_heap() -> None:
    """Keep a server's startup objects out of every later garbage collection.

    LiteLLM's proxy holds ~670k objects once loaded; a full collection over them took
    ~300 ms here and stops the event loop, and a large request (thousands of tools)
    allocates enough to trigger one. Frozen, a full collection took ~36 ms."""
    gc.collect()
    gc.freeze()
    logging.getLogger(__name__).info(
        "froze %d startup objects out of garbage collection", gc.get_freeze_count()
    )


@lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    settings = get_settings()
    setup_logging(settings.log_level)
    runtime = Runtime(settings, Catalog(settings), ModelPool(settings))
    runtime.catalog.refresh()
    atexit.register(runtime.pool.close_all)
    return runtime
