"""A local PostgreSQL cluster for the admin UI: created once, started on loopback.

PostgreSQL refuses to run as root (initdb says so), so as root the cluster belongs to
Debian's `postgres` user and every server command runs as that user; any other user
runs it as themselves. The superuser's password is generated once and kept, mode 600,
beside the master key.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from litellm_ov_provider.keys import MASTER_KEY_FILE, ensure_secret

APT_COMMAND = "sudo apt-get install -y postgresql"
DB_USER = "litellm"
DB_NAME = "litellm"
DEFAULT_PORT = 54329


class SetupError(Exception):
    """The database cannot be set up; the message says what to do."""


def psql_env(url: str) -> tuple[str, dict[str, str]]:
    """`url` without its password, and an environment carrying it (PGPASSWORD): a
    password in argv is readable by every local user."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, dict(os.environ)
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}@" if parts.username else ""
    bare = urlunsplit(parts._replace(netloc=f"{user}{netloc}"))
    return bare, {**os.environ, "PGPASSWORD": unquote(parts.password)}


def is_root() -> bool:
    return os.geteuid() == 0


def server_bin() -> Path | None:
    """Debian's PostgreSQL server programs (newest version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def ensure_installed() -> Path:
    """The server programs, installing Debian's package as root when missing; a user
    without root is told the apt command (never sudo on their behalf)."""
    found = server_bin()
    if found is not None:
        return found
    if not is_root() or shutil.which("apt-get") is None:
        raise SetupError(f"PostgreSQL's server is not installed; run: {APT_COMMAND}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    found = server_bin()
    if found is None:
        raise SetupError("apt-get installed postgresql, but no initdb was found")
    return found


def default_dir() -> Path:
    if is_root():  # the postgres user's home: it can reach it, other users cannot
        return Path("/var/lib/postgresql/litellm-ov")
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local/share")
    return Path(data) / "litellm-ov" / "postgres"


def password_file() -> Path:
    raw = os.environ.get("OV_DB_PASSWORD_FILE")
    return Path(raw).expanduser() if raw else MASTER_KEY_FILE.expanduser().parent / "db_password"


@dataclass(frozen=True)
class Cluster:
    bin: Path
    root: Path  # holds data/, the log and the socket
    port: int
    password: str

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{DB_NAME}"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin / cmd[0]), *cmd[1:]]
        if is_root():
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, check=check, capture_output=True, text=True)

    def create(self) -> bool:
        """initdb once (True when it ran): password auth on loopback, peer on the socket."""
        if (self.data / "PG_VERSION").exists():
            return False
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if is_root():
            shutil.chown(self.root, "postgres", "postgres")
        with tempfile.NamedTemporaryFile("w", dir=self.root, delete=False) as pw:
            pw.write(self.password + "\n")
        try:
            if is_root():
                shutil.chown(pw.name, "postgres", "postgres")
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                DB_USER,
                f"--pwfile={pw.name}",
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
                "-E",
                "UTF8",
            )
        except subprocess.CalledProcessError as exc:
            raise SetupError(f"initdb failed: {exc.stderr.strip()}") from exc
        finally:
            os.unlink(pw.name)
        return True

    def running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.data), check=False).returncode == 0

    def start(self) -> None:
        """Start on 127.0.0.1:port (the socket in the cluster's own folder)."""
        if self.running():
            return
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
        log = str(self.root / "postgres.log")
        done = self._run(
            "pg_ctl", "start", "-w", "-D", str(self.data), "-l", log, "-o", options, check=False
        )
        if done.returncode != 0:
            raise SetupError(f"PostgreSQL did not start (see {log}): {done.stderr.strip()}")

    def stop(self) -> None:
        if self.running():
            self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data))

    def ensure_database(self) -> None:
        base, env = psql_env(self.url.rsplit("/", 1)[0] + "/postgres")
        found = subprocess.run(
            [str(self.bin / "psql"), base, "-XtA", "-v", f"db={DB_NAME}"],
            input="SELECT 1 FROM pg_database WHERE datname = :'db';",
            capture_output=True,
            text=True,
            env=env,
        )
        if found.returncode != 0:
            raise SetupError(f"cannot connect to PostgreSQL: {found.stderr.strip()}")
        if found.stdout.strip() != "1":
            subprocess.run(
                [str(self.bin / "psql"), base, "-qc", f'CREATE DATABASE "{DB_NAME}"'],
                check=True,
                capture_output=True,
                env=env,
            )


def _where() -> tuple[Path, int]:
    folder = Path(os.environ.get("OV_DB_DIR") or default_dir()).expanduser()
    return folder.absolute(), int(os.environ.get("OV_DB_PORT") or DEFAULT_PORT)


def cluster() -> Cluster:
    """The cluster `make ui` uses (OV_DB_DIR, OV_DB_PORT), installing PostgreSQL first
    when it is missing."""
    folder, port = _where()
    return Cluster(ensure_installed(), folder, port, ensure_secret(password_file()))


def existing_cluster() -> Cluster | None:
    """The cluster `make ui` created, if any: installs and writes nothing."""
    folder, port = _where()
    found = server_bin()
    if found is None or not (folder / "data" / "PG_VERSION").exists():
        return None
    return Cluster(found, folder, port, password="")
