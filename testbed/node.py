"""A real ov-llm-server process on loopback."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from testbed.proxy import free_port, stop_process, wait_live


@dataclass
class Node:
    proc: subprocess.Popen[bytes]
    port: int
    key: str
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict:  # type: ignore[type-arg]
        """The details, which need the key."""
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.get(f"{self.base_url}/health", headers=headers, timeout=5).json()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def tree_rss(self) -> int:
        """Resident memory of the server and every worker process it runs."""
        root = psutil.Process(self.proc.pid)
        procs = [root, *root.children(recursive=True)]
        total = 0
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total

    def stop(self) -> None:
        stop_process(self.proc)


def without_litellm(folder: Path) -> dict[str, str]:
    """An environment in which `import litellm` fails: a stand-in package first on the
    path that raises ImportError, as on a machine where only the node is installed."""
    stand_in = folder / "no-litellm" / "litellm"
    stand_in.mkdir(parents=True, exist_ok=True)
    (stand_in / "__init__.py").write_text('raise ImportError("litellm is not installed")\n')
    path = [str(stand_in.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {"PYTHONPATH": os.pathsep.join(path)}


def start_node(
    registry: Path,
    log: Path,
    key: str = "node-key",
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> Node:
    port = port or free_port()
    full_env = {
        **os.environ,
        "OV_REGISTRY_PATH": str(registry),
        "OV_API_KEY": key,
        "OV_PORT": str(port),
        "OV_REGISTRY_POLL_SECONDS": "0.5",
        **(env or {}),
    }
    server = Path(sys.executable).with_name("ov-llm-server")
    with log.open("ab") as out:
        proc = subprocess.Popen([str(server)], stdout=out, stderr=subprocess.STDOUT, env=full_env)
    node = Node(proc, port, key, log)
    wait_live(proc, node.base_url, log, 60)
    return node
