"""A local Redis for front doors that share state: Debian's `redis-server`, on
loopback, with a password generated once (mode 600, beside the master key), nothing
written to disk (it holds counters and router state, never keys or spend).

    python -m litellm_ov_provider.ops.redis_local start   # `make redis`
    python -m litellm_ov_provider.ops.redis_local stop    # `make redis-stop`
    python -m litellm_ov_provider.ops.redis_local env     # the REDIS_* a front door takes
                                                        # (the password by its file)

For Redis on another box use Debian's own service (docs/scale-out.md); this is for a
one-box trial of two front doors and for the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..keys import MASTER_KEY_FILE, ensure_secret

APT_COMMAND = "sudo apt-get install -y redis-server"
DEFAULT_PORT = 6380  # beside, not on, a system Redis's 6379


class RedisSetupError(Exception):
    """Redis cannot be started; the message says what to do."""


@dataclass(frozen=True)
class LocalRedis:
    root: Path  # its config, pid file and log
    port: int
    password: str

    @property
    def env(self) -> dict[str, str]:
        """What a front door is given to join (LiteLLM's own variables)."""
        return {
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(self.port),
            "REDIS_PASSWORD": self.password,
        }

    def config(self) -> str:
        return "\n".join(
            [
                "bind 127.0.0.1",
                f"port {self.port}",
                f"requirepass {self.password}",
                "daemonize yes",
                f"pidfile {self.root / 'redis.pid'}",
                f"logfile {self.root / 'redis.log'}",
                f"dir {self.root}",
                'save ""',
                "appendonly no",
                "",
            ]
        )

    def ping(self) -> bool:
        import redis

        client = redis.Redis(
            host="127.0.0.1", port=self.port, password=self.password, socket_timeout=1
        )
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self, timeout: float = 10.0) -> None:
        if self.ping():
            return
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        conf = self.root / "redis.conf"
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the password
        with os.fdopen(fd, "w") as out:
            out.write(self.config())
        subprocess.run([server_bin(), str(conf)], check=True)
        deadline = time.monotonic() + timeout
        while not self.ping():
            if time.monotonic() > deadline:
                raise RedisSetupError(f"Redis did not answer on port {self.port}; see its log")
            time.sleep(0.1)

    def stop(self) -> bool:
        """Shut it down; False when it was not running."""
        import redis

        if not self.ping():
            return False
        client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password)
        with contextlib.suppress(redis.ConnectionError):  # it closes the connection as it goes
            client.shutdown(nosave=True)
        return True


def server_bin() -> str:
    """Debian's redis-server, installed as root when missing; a user without root is
    told the apt command."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RedisSetupError(f"redis-server is not installed; run: {APT_COMMAND}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "redis-server"]):
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    found = shutil.which("redis-server")
    if not found:
        raise RedisSetupError("apt-get installed redis-server, but it is not on PATH")
    return found


def local_redis() -> LocalRedis:
    """The Redis `make redis` runs (OV_REDIS_DIR, OV_REDIS_PORT)."""
    state = Path(os.environ.get("OV_REDIS_DIR") or Path.home() / ".cache" / "litellm-ov" / "redis")
    port = int(os.environ.get("OV_REDIS_PORT") or DEFAULT_PORT)
    return LocalRedis(state.expanduser().absolute(), port, ensure_secret(password_file()))


def password_file() -> Path:
    return MASTER_KEY_FILE.expanduser().parent / "redis_password"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="redis_local", description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["start", "stop", "env"])
    args = ap.parse_args(argv)
    redis = local_redis()
    try:
        if args.command == "start":
            redis.start()
            print(f"redis: listening on 127.0.0.1:{redis.port}; front doors join with:")
        elif args.command == "stop":
            print("redis: stopped" if redis.stop() else "redis: was not running")
            return 0
    except (RedisSetupError, subprocess.CalledProcessError) as exc:
        print(f"redis: {exc}", file=sys.stderr)
        return 1
    print(f"export REDIS_HOST=127.0.0.1 REDIS_PORT={redis.port}")
    print(f'export REDIS_PASSWORD="$(cat {password_file()})"')  # never the secret itself
    return 0


if __name__ == "__main__":
    sys.exit(main())
