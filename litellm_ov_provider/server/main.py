"""`ov-llm-server`: run the node standalone.

Configuration comes from the environment (OV_REGISTRY_PATH, OV_MODEL_PATH,
OV_DEVICE, OV_LOG_LEVEL, OV_HOST, OV_PORT, OV_API_KEY, OV_IDLE_TTL_SECONDS,
OV_MAX_LOADED_MODELS); --host/--port override. Without an API key the server only
ever listens on loopback.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from ..core.runtime import get_runtime
from ..keys import is_loopback, weak_key_problem
from ..registry.device import resolve_device
from .app import create_app

log = logging.getLogger("litellm_ov_provider.server")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="ov-llm-server", description=__doc__.splitlines()[0])
    ap.add_argument("--host")
    ap.add_argument("--port", type=int)
    args = ap.parse_args(argv)
    runtime = get_runtime()
    s = runtime.settings
    host, port = args.host or s.host, args.port or s.port
    key = s.api_key.get_secret_value() if s.api_key else None
    if key is not None and not is_loopback(host) and (why := weak_key_problem(key)):
        log.error(
            "refusing to listen on %s: %s (set OV_API_KEY to a long random secret, "
            "e.g. `openssl rand -hex 32`)",
            host,
            why,
        )
        raise SystemExit(2)
    if s.api_key is None and not is_loopback(host):
        log.warning(
            "no OV_API_KEY set: refusing to listen on %s; listening on 127.0.0.1 only", host
        )
        host = "127.0.0.1"
    elif s.api_key is None:
        log.warning("no OV_API_KEY set: serving without auth, on loopback only")
    log.info(
        "ov-llm-server on %s:%d device=%s (requested %s) registry=%s (%d models) "
        "fallback_model=%s idle_ttl_s=%s max_loaded=%s auth=%s",
        host,
        port,
        resolve_device(s.device),
        s.device,
        s.registry_path,
        len(runtime.catalog.registry.models),
        s.model_path or "-",
        s.idle_ttl_seconds or "off",
        s.max_loaded_models or "off",
        "bearer" if s.api_key else "none",
    )
    uvicorn.run(
        create_app(runtime), host=host, port=port, log_level=s.log_level.lower(), access_log=False
    )


if __name__ == "__main__":
    main()
