"""Log setup for our packages (litellm_ov_provider, router_plugins), in one place.

The proxy configures LiteLLM's loggers, not ours: our loggers get their own handler
at OV_LOG_LEVEL, once, and do not propagate (LiteLLM's root handlers would print
them twice).
"""

from __future__ import annotations

import logging

PACKAGES = ("litellm_ov_provider", "router_plugins")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str) -> None:
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level.upper())
        if not logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter(FORMAT))
            logger.addHandler(handler)
            logger.propagate = False
