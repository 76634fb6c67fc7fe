"""`ov-front-door`: start the LiteLLM proxy with our config, after checking that its
master key may guard the address asked for (the node's rule: beyond loopback only
with a key of 32+ characters that is not a template placeholder).

    ov-front-door [--config F] [--host H] [--port P] [--num_workers N]

`make run`, `make ui` and config/litellm-ov.service start the proxy this way; a proxy
started as plain `litellm --config ...` is checked from inside (proxy/startup.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..keys import is_loopback, weak_key_problem

DEFAULT_HOST = "0.0.0.0"  # noqa: S104 - LiteLLM's own default; checked against the key


def exposure_problem(host: str, key: str | None) -> str | None:
    """Why the proxy must not listen on `host` with `key`, or None when it may."""
    if is_loopback(host) or (why := weak_key_problem(key)) is None:
        return None
    return (
        f"refusing to listen on {host}: {why} (set LITELLM_MASTER_KEY to a long random "
        "secret, e.g. `openssl rand -hex 32`, or listen on 127.0.0.1)"
    )


def cli_host(argv: Sequence[str], env: Mapping[str, str]) -> str | None:
    """The address a `litellm` command line listens on, read as click reads it (the
    last --host, else $HOST, else 0.0.0.0), or None when `argv` is not LiteLLM's CLI."""
    if not argv or Path(argv[0]).name != "litellm":
        return None
    return _last_option(argv, "--host") or env.get("HOST") or DEFAULT_HOST


def _last_option(argv: Sequence[str], name: str) -> str | None:
    """The value of the last `name VALUE` or `name=VALUE` in `argv`, as click reads it."""
    found = None
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith(f"{name}="):
            found = arg.split("=", 1)[1]
    return found


def cli_port(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """The port a `litellm` command line listens on (the last --port, else $PORT, else
    LiteLLM's 4000)."""
    value = _last_option(argv, "--port") or env.get("PORT") or "4000"
    return int(value) if value.isdigit() else 4000


def litellm_argv(config: str, host: str, port: int, workers: str = "1") -> list[str]:
    litellm = str(Path(sys.executable).parent / "litellm")
    return [
        litellm,
        "--config",
        config,
        "--host",
        host,
        "--port",
        str(port),
        "--num_workers",
        workers,
    ]


def parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog)
    ap.add_argument("--config", default="config/litellm.yaml")
    ap.add_argument("--host", default=DEFAULT_HOST)
    ap.add_argument("--port", type=int, default=4000)
    ap.add_argument("--num_workers", default="1", help="passed on to litellm")
    return ap


def exec_proxy(args: argparse.Namespace, env: dict[str, str]) -> int:
    """Check the exposure, then become the proxy (returns only on refusal)."""
    problem = exposure_problem(args.host, env.get("LITELLM_MASTER_KEY"))
    if problem:
        print(f"front door: {problem}", file=sys.stderr)
        return 2
    argv = litellm_argv(args.config, args.host, args.port, args.num_workers)
    os.execve(argv[0], argv, env)  # noqa: S606 - argv, no shell


def main(argv: list[str] | None = None) -> int:
    return exec_proxy(parser("ov-front-door").parse_args(argv), dict(os.environ))


if __name__ == "__main__":
    sys.exit(main())
