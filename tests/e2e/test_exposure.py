"""The front door will not listen beyond loopback with a weak master key: neither when
started by ov-front-door (make run, make ui, the service) nor as plain `litellm`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from testbed.proxy import REPO, free_port

CONFIG = str(REPO / "config" / "litellm.yaml")


def _run(argv: list[str], key: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LITELLM_MASTER_KEY": key,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "OV_REGISTRY_PATH": str(tmp_path / "registry.json"),
    }
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)


def test_ov_front_door_refuses_a_placeholder_key_beyond_loopback(tmp_path: Path) -> None:
    launcher = [sys.executable, "-m", "litellm_ov_provider.ops.launch", "--config", CONFIG]
    done = _run([*launcher, "--host", "0.0.0.0", "--port", str(free_port())], "sk-1234", tmp_path)
    assert done.returncode == 2 and "refusing to listen on 0.0.0.0" in done.stderr


def test_plain_litellm_with_a_short_key_beyond_loopback_stops(tmp_path: Path) -> None:
    litellm = str(Path(sys.executable).with_name("litellm"))
    argv = [litellm, "--config", CONFIG, "--host", "0.0.0.0", "--port", str(free_port())]
    done = _run(argv, "short-key", tmp_path)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "at least 32 are needed" in done.stdout + done.stderr
