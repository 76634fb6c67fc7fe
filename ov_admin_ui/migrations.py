"""LiteLLM's tables, from the migration SQL that litellm-proxy-extras ships.

`prisma migrate` needs Prisma's schema engine, a native binary downloaded on first use;
psql needs nothing more than the server package. So the files are applied here, in
name order, each recorded in `_prisma_migrations` exactly as `prisma migrate deploy`
records it (name, SHA-256 checksum, steps): a later `prisma migrate deploy` sees them
as applied. The proxy then starts with DISABLE_SCHEMA_UPDATE=true.
"""

from __future__ import annotations

import hashlib
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from .postgres import SetupError, psql_env

LEDGER = """CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);"""


@dataclass(frozen=True)
class Db:
    psql: str  # the psql program
    url: str  # postgresql://... (the password in it stays out of argv's logs: psql parses it)


RECORD = """INSERT INTO "_prisma_migrations"
    (id, checksum, finished_at, migration_name, applied_steps_count)
    VALUES (:'id', :'sum', now(), :'name', 1);"""


def shipped() -> list[Path]:
    """litellm-proxy-extras' migration.sql files, in name order (one folder name has
    spaces)."""
    import litellm_proxy_extras

    root = Path(litellm_proxy_extras.__file__).parent / "migrations"
    return sorted(root.glob("*/migration.sql"), key=lambda p: p.parent.name)


def _psql(
    db: Db,
    sql: str | None = None,
    file: Path | None = None,
    *,
    one_transaction: bool = False,
    params: dict[str, str] | None = None,
) -> str:
    """Run a file, then `sql` (from stdin, where psql quotes the :'name' params)."""
    url, env = psql_env(db.url)
    argv = [db.psql, url, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1"]
    argv += ["-1"] if one_transaction else []
    argv += [arg for k, v in (params or {}).items() for arg in ("-v", f"{k}={v}")]
    argv += ["-f", str(file)] if file is not None else []
    argv += ["-f", "-"] if file is not None and sql is not None else []  # then stdin
    done = subprocess.run(argv, input=sql, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        what = file.parent.name if file is not None else "the migration ledger"
        raise SetupError(f"applying {what} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def applied(db: Db) -> set[str]:
    _psql(db, LEDGER)
    out = _psql(
        db,
        'SELECT migration_name FROM "_prisma_migrations" '
        "WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    )
    return {line for line in out.splitlines() if line}


def migrate(db: Db) -> list[str]:
    """Apply what is not applied yet; the names applied now."""
    done = applied(db)
    now: list[str] = []
    for path in shipped():
        name = path.parent.name
        if name in done:
            continue
        sql = path.read_bytes()
        record = {"id": str(uuid.uuid4()), "sum": hashlib.sha256(sql).hexdigest(), "name": name}
        if b"CONCURRENTLY" in sql.upper():  # cannot run inside a transaction block
            _psql(db, file=path)
            _psql(db, RECORD, params=record)
        else:  # the migration and its record commit together, or neither does
            _psql(db, RECORD, file=path, one_transaction=True, params=record)
        now.append(name)
    return now
