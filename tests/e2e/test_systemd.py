"""The service units pass systemd-analyze verify at their documented install paths,
with the same hardening; the front door's env template holds no usable key."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from litellm_ov_provider.ops.launch import exposure_problem

REPO = Path(__file__).resolve().parents[2]
# unit name -> the program its ExecStart runs
UNITS = {"ov-server": "ov-llm-server", "litellm-ov": "ov-front-door"}


def _verify(unit: str, unit_text: str, root: Path) -> subprocess.CompletedProcess[str]:
    units = root / "usr" / "lib" / "systemd"
    units.mkdir(parents=True)
    shutil.copytree("/lib/systemd/system", units / "system", symlinks=True)
    (root / "etc" / "systemd" / "system").mkdir(parents=True)
    (root / "etc" / "systemd" / "system" / f"{unit}.service").write_text(unit_text)
    (root / "etc" / "homelab-llm").mkdir(parents=True)
    shutil.copy(REPO / "config" / f"{unit}.env", root / "etc" / "homelab-llm" / f"{unit}.env")
    binary = root / "opt" / "litellm-ov" / ".venv" / "bin" / UNITS[unit]
    binary.parent.mkdir(parents=True)
    shutil.copy(Path(sys.executable).with_name(UNITS[unit]), binary)
    return subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", f"{unit}.service"],
        capture_output=True,
        text=True,
    )


def _unit(name: str) -> str:
    return (REPO / "config" / f"{name}.service").read_text()


@pytest.fixture(autouse=True)
def _needs_systemd() -> None:
    if shutil.which("systemd-analyze") is None or not Path("/lib/systemd/system").is_dir():
        pytest.skip("systemd-analyze is not installed")


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_unit_verifies(unit: str, tmp_path: Path) -> None:
    done = _verify(unit, _unit(unit), tmp_path)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_a_broken_unit_does_not(unit: str, tmp_path: Path) -> None:
    done = _verify(unit, _unit(unit).replace("ExecStart=/opt", "ExecStart=/nowhere"), tmp_path)
    assert done.returncode != 0


def test_both_units_share_the_hardening_and_reach_the_gpu() -> None:
    def hardening(text: str) -> list[str]:
        lines = text.split("[Service]", 1)[1].split("[Install]", 1)[0].splitlines()
        keep = ("Protect", "Private", "NoNew", "Restrict", "Lock", "SupplementaryGroups")
        return sorted(line for line in lines if line.startswith(keep))

    assert hardening(_unit("ov-server")) == hardening(_unit("litellm-ov"))
    assert "SupplementaryGroups=render" in _unit("litellm-ov")


def test_the_front_door_template_refuses_to_listen_beyond_loopback() -> None:
    env = dict(
        line.split("=", 1)
        for line in (REPO / "config" / "litellm-ov.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env["HOST"] == "0.0.0.0"
    assert exposure_problem(env["HOST"], env["LITELLM_MASTER_KEY"]) is not None
    assert exposure_problem(env["HOST"], "k" * 64) is None
    assert exposure_problem("127.0.0.1", env["LITELLM_MASTER_KEY"]) is None


def test_the_redis_unit_verifies_with_debian_s_redis_server(tmp_path: Path) -> None:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is missing: run scripts/install-test-services.sh")
    units = tmp_path / "usr" / "lib" / "systemd"
    units.mkdir(parents=True)
    shutil.copytree("/lib/systemd/system", units / "system", symlinks=True)
    (tmp_path / "etc" / "systemd" / "system").mkdir(parents=True)
    unit = tmp_path / "etc" / "systemd" / "system" / "ov-redis.service"
    unit.write_text(_unit("ov-redis"))
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    shutil.copy(server, tmp_path / "usr" / "bin" / "redis-server")
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={tmp_path}", "ov-redis.service"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    conf = (REPO / "config" / "ov-redis.conf").read_text()
    assert "requirepass change-me" in conf and 'save ""' in conf  # a placeholder to replace
