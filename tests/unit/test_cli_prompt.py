"""ov-convert-model asks for a name on a terminal, suggests one, and re-asks on a bad one."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path


def _read_until(fd: int, marker: str, timeout: float = 60) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 4096).decode(errors="replace")
            except OSError:
                break
    return seen


def test_interactive_name_prompt(tmp_path: Path) -> None:
    source = tmp_path / "My-Cool-Model"
    source.mkdir()  # not a model: the run stops right after naming
    master, slave = pty.openpty()
    env = {
        **os.environ,
        "OV_REGISTRY_PATH": str(tmp_path / "converted_models" / "registry.json"),
        "TERM": "dumb",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "convert_cli", str(source)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    try:
        first = _read_until(master, "Name for this model")
        assert "(my-cool-model)" in first  # the suggestion
        os.write(master, b"bad/name\n")
        again = _read_until(master, "Name for this model")
        assert "invalid model name" in again
        os.write(master, b"\n")  # accept the suggestion
        rest = _read_until(master, "not a model directory")
        assert "not a model directory" in rest
        assert proc.wait(30) == 1
    finally:
        proc.kill()
        os.close(master)
