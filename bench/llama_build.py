"""llama.cpp's `llama-server`, built from the source vendored in the llama-cpp-python
sdist on PyPI (no other downloads), cached outside the repository.

    python bench/llama_build.py            # prints the llama-server path (builds once)

About 9 minutes on 2 cores the first time; later runs reuse the build in
~/.cache/litellm-ov/llama.cpp/<version>/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testbed.llama_cpp import CACHE, VERSION, sdist


def llama_server() -> Path:
    """The built llama-server, building it if needed."""
    root = CACHE / VERSION
    binary = root / "build" / "bin" / "llama-server"
    if binary.exists():
        return binary
    root.mkdir(parents=True, exist_ok=True)
    source = root / "src"
    if not (source / "CMakeLists.txt").exists():
        shutil.rmtree(source, ignore_errors=True)
        with tarfile.open(sdist()) as tar:
            tar.extractall(root / "unpacked", filter="data")
        vendored = next((root / "unpacked").glob("*/vendor/llama.cpp"))
        shutil.move(str(vendored), source)
    build = root / "build"
    subprocess.run(
        [
            "cmake",
            "-S",
            str(source),
            "-B",
            str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DLLAMA_CURL=OFF",
            "-DLLAMA_BUILD_SERVER=ON",
            "-DLLAMA_BUILD_TESTS=OFF",
            "-DLLAMA_BUILD_EXAMPLES=OFF",
            "-DGGML_NATIVE=ON",
        ],
        check=True,
    )
    jobs = str(os.cpu_count() or 2)
    subprocess.run(
        ["cmake", "--build", str(build), "--target", "llama-server", "-j", jobs], check=True
    )
    return binary


if __name__ == "__main__":
    print(llama_server())
