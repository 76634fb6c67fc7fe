"""The conformance lane's llama.cpp part (tests/conformance/README.md) against the
shared front door: every case that applies passes, every other one is skipped with
its reason."""

from __future__ import annotations

import re
import subprocess
import sys

from testbed.proxy import KEY, REPO, Proxy

LANE = REPO / "tests" / "conformance" / "llama_cpp" / "run.py"
# The shared front door serves several models; llama.cpp's test_server_models wants
# exactly one, as `make run` serves (`make conformance` runs it there).
DESELECTED = ["--deselect", "unit/test_basic.py::test_server_models"]


def test_llama_cpp_s_server_tests_pass_against_the_front_door(proxy: Proxy) -> None:
    done = subprocess.run(
        [sys.executable, str(LANE), "--url", proxy.base_url, "--key", KEY, *DESELECTED],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    tail = done.stdout[-4000:]
    assert done.returncode == 0, tail
    summary = re.search(r"(\d+) passed, (\d+) skipped", tail)
    assert summary, tail
    assert int(summary[1]) >= 39 and "failed" not in tail.splitlines()[-1], tail
