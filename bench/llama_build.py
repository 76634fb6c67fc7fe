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
import tarfile
from pathlib import Path

VERSION = "0.3.36"  # llama-cpp-python; its vendor/llama.cpp is what gets built
CACHE = Path(os.environ.get("OV_BENCH_CACHE", "~/.cache/litellm-ov")).expanduser() / "llama.cpp"


def _sdist(where: Path) -> Path:
    """The sdist file from PyPI, checked against PyPI's SHA-256 (pip download would
    build its build dependencies from source to read its metadata)."""
    import hashlib

    import httpx

    target = where / f"llama_cpp_python-{VERSION}.tar.gz"
    if target.exists():
        return target
    meta = httpx.get(
        "https://pypi.org/simple/llama-cpp-python/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=60,
    )
    meta.raise_for_status()
    sdist = next(f for f in meta.json()["files"] if f["filename"] == target.name)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    with httpx.stream("GET", sdist["url"], timeout=600, follow_redirects=True) as r:
        r.raise_for_status()
        with partial.open("wb") as out:
            for piece in r.iter_bytes():
                digest.update(piece)
                out.write(piece)
    if digest.hexdigest() != sdist["hashes"]["sha256"]:
        partial.unlink()
        raise SystemExit("llama-cpp-python sdist: SHA-256 mismatch")
    partial.rename(target)
    return target


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
        with tarfile.open(_sdist(root)) as tar:
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
