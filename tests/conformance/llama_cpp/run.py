"""The conformance lane: llama.cpp's own server tests against the front door.

    python tests/conformance/llama_cpp/run.py                 # starts a front door
    python tests/conformance/llama_cpp/run.py --url URL --key KEY   # one already running
    make conformance

The tests come from the llama.cpp sources vendored in the llama-cpp-python sdist
(testbed/llama_cpp.py: fetched from PyPI once, hash-checked); they are extracted into
the cache, with `lane_utils.py` as their `utils.py` (it points every ServerProcess at
the front door instead of starting llama-server), `lane_conftest.py` as their
`conftest.py`, `skips.py` (which cases apply, and why each other one does not) and
`adapt.patch` (the llama.cpp-specific assertions relaxed, each hunk marked OV-ADAPT).
Without --url it starts the front door as `make run` does, on the default model, on a
free loopback port, and stops it afterwards. Extra arguments go to pytest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO))

from testbed.llama_cpp import CACHE, PREFIX, VERSION, sdist

TESTS = "tools/server/tests/"
OURS = {"lane_utils.py": "utils.py", "lane_conftest.py": "conftest.py", "skips.py": "skips.py"}


def lane(target: Path) -> Path:
    """The runnable lane in `target`: upstream's unit/, fixtures/ and pytest.ini, our
    harness files, the patch applied. Rebuilt on every run (a few hundred KB)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(sdist()) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix(PREFIX + TESTS)
            if name != member.name and name.split("/")[0] in ("unit", "fixtures", "pytest.ini"):
                member.name = name
                tar.extract(member, target, filter="data")
    for ours, theirs in OURS.items():
        shutil.copy(HERE / ours, target / theirs)
    patch = HERE / "adapt.patch"
    subprocess.run(["patch", "-s", "-p1", "-i", str(patch)], cwd=target, check=True)
    return target


@contextmanager
def front_door(url: str | None, key: str | None) -> Iterator[tuple[str, str]]:
    """The front door's URL and key: the given one, or one started here."""
    if url:
        yield url, key or os.environ.get("LITELLM_MASTER_KEY", "")
        return
    import tempfile

    from testbed.models import default_registry
    from testbed.proxy import KEY, start_proxy

    with tempfile.TemporaryDirectory(prefix="ov-conformance-") as root:
        proxy = start_proxy(Path(root), default_registry(Path(root)))
        try:
            yield proxy.base_url, KEY
        finally:
            proxy.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running front door (default: start one)")
    parser.add_argument("--key", help="its key (default: $LITELLM_MASTER_KEY)")
    parser.add_argument("--model", default="smollm2-135m-instruct")
    args, pytest_args = parser.parse_known_args()
    target = lane(CACHE / VERSION / "server-tests")
    with front_door(args.url, args.key) as (url, key):
        env = {**os.environ, "OV_FRONT_DOOR_URL": url, "OV_FRONT_DOOR_KEY": key}
        env["OV_MODEL"] = args.model
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE"]
        command += ["-c", str(target / "pytest.ini"), "--rootdir", str(target)]
        done = subprocess.run([*command, *pytest_args, "unit"], cwd=target, env=env)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
