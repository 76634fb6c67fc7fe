"""The shared services of several front doors, for tests and benchmarks: a Redis of
the project's own script (ops/redis_local.py) and `make ui`'s PostgreSQL cluster, each
in a folder of its own on a free loopback port."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from litellm_ov_provider.ops.redis_local import LocalRedis
from ov_admin_ui.postgres import server_bin
from testbed.proxy import REPO, free_port


def _origin() -> list[Path]:
    """The folder this clone came from, when it is a local path (a clone made in a
    temporary folder still finds the working copy's ../shared)."""
    done = subprocess.run(
        ["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
        capture_output=True,
        text=True,
        check=False,
    )
    url = done.stdout.strip().removeprefix("file://")
    return [Path(url).resolve()] if url.startswith("/") else []


# The offline test engine in ../shared/tools, looked for beside each parent folder of
# this repository and of the one it was cloned from (CI clones it elsewhere).
OFFLINE_ENGINE = next(
    (
        found
        for base in (REPO, *_origin())
        for parent in base.parents
        if (found := parent / "shared" / "tools" / "prisma-offline-engine").is_dir()
    ),
    REPO.parent / "shared" / "tools" / "prisma-offline-engine",
)


class Missing(Exception):
    """A service the tests need is not on this machine (they skip, saying which)."""


def prisma_engines(folder: Path) -> dict[str, str]:
    """Prisma's engines: the caller's own (PRISMA_QUERY_ENGINE_BINARY), else the
    offline test engine from ../shared installed into `folder` (this machine cannot
    download Prisma's)."""
    if server_bin() is None:
        raise Missing("PostgreSQL's server is missing: run scripts/install-test-services.sh")
    if os.environ.get("PRISMA_QUERY_ENGINE_BINARY"):
        return {}
    if not OFFLINE_ENGINE.is_dir() or shutil.which("npm") is None:
        raise Missing("no Prisma query engine: set PRISMA_QUERY_ENGINE_BINARY")
    engine = folder / "engine"
    shutil.copytree(OFFLINE_ENGINE, engine, ignore=shutil.ignore_patterns("node_modules"))
    for f in engine.iterdir():
        f.chmod(0o755 if f.suffix in ("", ".mjs") else 0o644)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=engine, check=True
    )
    return {
        "PRISMA_QUERY_ENGINE_BINARY": str(engine / "query-engine"),
        "PRISMA_SCHEMA_ENGINE_BINARY": str(engine / "schema-engine"),
        "PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING": "1",
        # prisma 0.11.0 checks this engine hash and reads raw rows the older way.
        "QE_SHIM_REPORT_VERSION": "ac9d7041ed77bcc8a8dbd2ab6616b39013829574",
        "QE_SHIM_LEGACY_RAW": "1",
    }


@contextmanager
def local_redis() -> Iterator[LocalRedis]:
    """A Redis on a free port in a folder of its own (skipped by the caller when
    redis-server is missing)."""
    folder = Path(tempfile.mkdtemp(prefix="ov-redis-"))
    redis = LocalRedis(folder, free_port(), secrets.token_hex(16))
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_env(prisma_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """`make ui`'s settings for a PostgreSQL cluster of its own, in a folder the
    `postgres` user can reach when tests run as root; stopped and removed after."""
    folder = Path(tempfile.mkdtemp(prefix="ov-ui-"))
    folder.chmod(0o755)
    env = {
        **prisma_env,
        "OV_DB_DIR": str(folder / "pg"),
        "OV_DB_PORT": str(free_port()),
        "OV_DB_PASSWORD_FILE": str(folder / "secrets" / "db_password"),
        "OV_UI_STATE": str(folder / "state"),
        "DATABASE_URL": "",  # the local cluster, not a caller's database
    }
    try:
        yield env
    finally:
        stop = {**os.environ, **env}
        subprocess.run([sys.executable, "-m", "ov_admin_ui", "--stop"], env=stop, check=False)
        shutil.rmtree(folder, ignore_errors=True)
