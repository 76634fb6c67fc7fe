"""make ui's pure parts: schema for this machine, passwords out of argv, migration
order, and what a user without root is told."""

from pathlib import Path

import pytest

from litellm_ov_provider.keys import ensure_secret
from ov_admin_ui import migrations, postgres
from ov_admin_ui.prisma_client import native_schema


def test_the_schema_is_generated_for_this_machine_only() -> None:
    source = (
        'generator client {\n  provider = "prisma-client-py"\n'
        '  binaryTargets = ["native", "x"]\n}\n'
    )
    out = native_schema(source)
    assert "binaryTargets" not in out and 'provider = "prisma-client-py"' in out


def test_the_database_password_travels_in_the_environment_not_argv() -> None:
    url, env = postgres.psql_env("postgresql://litellm:s%40cret@127.0.0.1:5/litellm")
    assert url == "postgresql://litellm@127.0.0.1:5/litellm"
    assert env["PGPASSWORD"] == "s@cret"
    bare, _ = postgres.psql_env("postgresql://127.0.0.1/db")
    assert bare == "postgresql://127.0.0.1/db"


def test_migrations_run_in_folder_name_order_spaces_included() -> None:
    files = migrations.shipped()
    names = [f.parent.name for f in files]
    assert len(files) > 100 and names == sorted(names)
    assert any(" " in n for n in names)  # one folder name has spaces; still applied


def test_a_user_without_root_or_postgres_is_told_the_apt_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres, "server_bin", lambda: None)
    monkeypatch.setattr(postgres, "is_root", lambda: False)
    with pytest.raises(postgres.SetupError, match="sudo apt-get install -y postgresql"):
        postgres.ensure_installed()


def test_the_password_is_generated_once_mode_600(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "db_password"
    first = ensure_secret(path)
    assert len(first) >= 32 and ensure_secret(path) == first
    assert path.stat().st_mode & 0o777 == 0o600
