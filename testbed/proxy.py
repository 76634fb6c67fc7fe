"""A real LiteLLM proxy process on loopback, with a registry of our own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from litellm_ov_provider.registry.entries import update_registry
from testbed.waiting import wait_until

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-e2e-test-key"


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill what has not exited within 20 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_live(
    proc: subprocess.Popen[bytes],
    base_url: str,
    log: Path,
    timeout: float,
    path: str = "/health/liveliness",
) -> None:
    """Until `path` answers 200; fail with the log tail if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{base_url}{path}", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base_url} did not answer within {timeout} s")


@dataclass
class Proxy:
    proc: subprocess.Popen[bytes]
    port: int
    registry: Path
    log: Path
    config: Path = REPO / "config" / "litellm.yaml"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def http(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def edit_registry(self, mutate: Callable[[dict[str, Any]], None]) -> None:
        update_registry(self.registry, mutate)

    def wait_for(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        wait_until(check, timeout, what)

    def model_ids(self) -> set[str]:
        with self.http() as client:
            return {m["id"] for m in client.get("/v1/models").json()["data"]}

    def workers(self, model: str, kind: str = "chat") -> list[psutil.Process]:
        """The worker processes serving `model` (a grammar checker is kind "grammar")."""
        wanted = {f"--model={model}", f"--kind={kind}"}
        return [
            child
            for child in psutil.Process(self.proc.pid).children(recursive=True)
            if wanted <= set(_cmdline(child))
        ]

    def model_info(self, name: str) -> dict[str, Any]:
        with self.http() as client:
            data = client.get("/v1/model/info").json()["data"]
        return next(d["model_info"] for d in data if d["model_name"] == name)

    def stop(self) -> None:
        stop_process(self.proc)


def start_proxy(
    root: Path,
    models: dict[str, dict[str, Any]],
    env: dict[str, str] | None = None,
    config: Path = REPO / "config" / "litellm.yaml",
    launcher: list[str] | None = None,
    startup_seconds: float = 90,
) -> Proxy:
    """A proxy on a free loopback port over `models`; `launcher` replaces the
    `litellm` program (e.g. `make ui`'s `python -m ov_admin_ui`, which takes the same
    options)."""
    registry = root / "converted_models" / "registry.json"
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_text(json.dumps({"version": 1, "models": models}, indent=2))
    port = free_port()
    log = root / "proxy.log"
    full_env = {
        **os.environ,
        "LITELLM_MASTER_KEY": KEY,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "OV_REGISTRY_PATH": str(registry),
        "OV_REGISTRY_POLL_SECONDS": "0.5",
        "OV_LOG_LEVEL": "INFO",
        **(env or {}),
    }
    litellm = Path(sys.executable).with_name("litellm")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                *(launcher or [str(litellm)]),
                "--config",
                str(config),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--num_workers",
                "1",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=root,
        )
    proxy = Proxy(proc, port, registry, log, config)
    wait_live(proc, proxy.base_url, log, startup_seconds)
    proxy.wait_for(lambda: set(models) <= proxy.model_ids(), 15, "registry routes")
    return proxy
