"""`make ui`: set up the database, then start the proxy with the admin UI.

    python -m ov_admin_ui [--host H] [--port P] [--config F]
    python -m ov_admin_ui --stop     # stop the local cluster

With DATABASE_URL set, that database is used as it is; otherwise a local cluster
(postgres.py). `store_model_in_db` is on unless STORE_MODEL_IN_DB says otherwise, so
models added in the UI are kept; registry routes and boards stay whatever it syncs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from litellm_ov_provider.keys import MASTER_KEY_FILE
from litellm_ov_provider.ops import launch

from . import migrations, postgres, prisma_client
from .postgres import SetupError


def _database(stop: bool) -> tuple[str, str] | None:
    """(psql, url) of the database to use; None after --stop."""
    given = os.environ.get("DATABASE_URL")
    if stop:
        found = postgres.existing_cluster()
        if given or found is None:
            print("make ui: no local cluster to stop")
        else:
            found.stop()
        return None
    if given:
        psql = shutil.which("psql") or str((postgres.server_bin() or Path("/usr/bin")) / "psql")
        return psql, given
    cluster = postgres.cluster()
    if cluster.create():
        print(f"admin UI: created a PostgreSQL cluster in {cluster.root}")
    cluster.start()
    cluster.ensure_database()
    return str(cluster.bin / "psql"), cluster.url


def _check_query_engine() -> None:
    """Fail now, saying what to set, rather than at the proxy's first query."""
    probe = (
        "from prisma import client; from prisma.engine.utils import ensure; "
        "ensure(client.BINARY_PATHS.query_engine)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        why = next((ln for ln in reversed(lines) if "Error" in ln.split(":")[0]), "unknown")
        raise SetupError(
            f"no Prisma query engine: {why}\nRun `prisma py fetch` with internet access, "
            "or set PRISMA_QUERY_ENGINE_BINARY to a Prisma 5.17.0 query engine."
        )


def prepare(stop: bool = False) -> str | None:
    """Database, tables and Prisma client in place; the DATABASE_URL to use."""
    found = _database(stop)
    if found is None:
        return None
    psql, url = found
    applied = migrations.migrate(migrations.Db(psql, url))
    if applied:
        print(f"admin UI: applied {len(applied)} LiteLLM migrations")
    work = Path(os.environ.get("OV_UI_STATE") or Path.home() / ".cache" / "litellm-ov")
    if prisma_client.ensure_generated(work / "prisma"):
        print("admin UI: generated the Prisma client")
    _check_query_engine()
    return url


def main(argv: list[str] | None = None) -> int:
    parser = launch.parser("make ui")
    parser.add_argument("--stop", action="store_true", help="stop the local cluster")
    args = parser.parse_args(argv)
    if not args.stop and (
        problem := launch.exposure_problem(args.host, os.environ.get("LITELLM_MASTER_KEY"))
    ):
        print(f"make ui: {problem}", file=sys.stderr)
        return 2
    try:
        url = prepare(stop=args.stop)
    except (SetupError, subprocess.CalledProcessError) as exc:
        print(f"make ui: {exc}", file=sys.stderr)
        return 1
    if url is None:
        return 0
    env = {**os.environ, "DATABASE_URL": url, "DISABLE_SCHEMA_UPDATE": "true"}
    env.setdefault("STORE_MODEL_IN_DB", "True")
    shown = "localhost" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    print(f"admin UI: http://{shown}:{args.port}/ui  (user: admin, password: the master key,")
    print(f"          LITELLM_MASTER_KEY or the one in {MASTER_KEY_FILE})", flush=True)
    return launch.exec_proxy(args, env)


if __name__ == "__main__":
    sys.exit(main())
