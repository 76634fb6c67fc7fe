"""conftest.py for running llama.cpp's server tests against an OpenAI-compatible front door.

Replaces the vendored tools/server/tests/conftest.py. Differences:
  * no `load_server_presets` (upstream downloads every preset's GGUF from Hugging Face
    under a FileLock: nothing to download here), so no filelock dependency;
  * no per-xdist-worker PORT: the front door is one URL (OV_FRONT_DOOR_URL);
  * `stop_server_after_each_test` is kept (the shim's stop() only forgets the instance);
  * tests outside the lane are skipped with a reason from skips.py (OV_LANE_EXTRA
    names extra ones to run anyway);
  * openai.OpenAI is replaced by the shim's wrapper before the test modules import it,
    so the key/model rewrite also holds for a module that imports openai after utils.
"""

import os
import sys

import openai
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import utils  # the shim (utils_shim.py installed as utils.py)
from skips import skip_reason
from utils import *

openai.OpenAI = utils.OpenAI


# OV_LANE_EXTRA: comma-separated nodeids or "file::function" to run on top of the lane
# (exploration of extensions; not part of the gate)
_EXTRA = [x.strip() for x in os.environ.get("OV_LANE_EXTRA", "").split(",") if x.strip()]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(item.nodeid == x or item.nodeid.split("[", 1)[0] == x for x in _EXTRA):
            continue
        reason = skip_reason(item.nodeid)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"front door lane: {reason}"))


@pytest.fixture(scope="session", autouse=True)
def front_door_reachable():
    if not os.environ.get("OV_FRONT_DOOR_URL") or not os.environ.get("OV_FRONT_DOOR_KEY"):
        pytest.exit("set OV_FRONT_DOOR_URL and OV_FRONT_DOOR_KEY", returncode=4)
    yield


# ref: https://stackoverflow.com/questions/22627659/run-code-before-and-after-each-test-in-py-test
@pytest.fixture(autouse=True)
def stop_server_after_each_test():
    yield
    for server in set(server_instances):
        server.stop()
