"""config/ov-server.service passes systemd-analyze verify at its documented install path."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _verify(unit_text: str, root: Path) -> subprocess.CompletedProcess[str]:
    units = root / "usr" / "lib" / "systemd"
    units.mkdir(parents=True)
    shutil.copytree("/lib/systemd/system", units / "system", symlinks=True)
    (root / "etc" / "systemd" / "system").mkdir(parents=True)
    (root / "etc" / "systemd" / "system" / "ov-server.service").write_text(unit_text)
    (root / "etc" / "homelab-llm").mkdir(parents=True)
    shutil.copy(REPO / "config" / "ov-server.env", root / "etc" / "homelab-llm" / "ov-server.env")
    binary = root / "opt" / "litellm-ov" / ".venv" / "bin" / "ov-llm-server"
    binary.parent.mkdir(parents=True)
    shutil.copy(Path(sys.executable).with_name("ov-llm-server"), binary)
    return subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "ov-server.service"],
        capture_output=True,
        text=True,
    )


@pytest.fixture(autouse=True)
def _needs_systemd() -> None:
    if shutil.which("systemd-analyze") is None or not Path("/lib/systemd/system").is_dir():
        pytest.skip("systemd-analyze is not installed")


def test_unit_verifies(tmp_path: Path) -> None:
    done = _verify((REPO / "config" / "ov-server.service").read_text(), tmp_path)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_a_broken_unit_does_not(tmp_path: Path) -> None:
    unit = (REPO / "config" / "ov-server.service").read_text()
    done = _verify(unit.replace("ExecStart=/opt", "ExecStart=/nowhere"), tmp_path)
    assert done.returncode != 0
