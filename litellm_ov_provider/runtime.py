"""The process-wide node state, built on first use (never at import)."""

from __future__ import annotations

import atexit
import logging
from dataclasses import dataclass
from functools import lru_cache

from .catalog import Catalog
from .pool import ModelPool
from .settings import Settings, get_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    catalog: Catalog
    pool: ModelPool


@lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    settings = get_settings()
    _setup_logging(settings.log_level)
    runtime = Runtime(settings, Catalog(settings), ModelPool(settings))
    runtime.catalog.refresh()
    atexit.register(runtime.pool.close_all)
    return runtime


def _setup_logging(level: str) -> None:
    """Our loggers print at OV_LOG_LEVEL even when the host configured nothing."""
    logger = logging.getLogger("litellm_ov_provider")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
