"""llama.cpp's sources as vendored in the llama-cpp-python sdist on PyPI: the peer
benchmark builds its llama-server from them, the conformance lane runs its server
tests. Fetched once (hash-checked against PyPI), cached outside the repository."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

VERSION = "0.3.36"  # llama-cpp-python; its vendor/llama.cpp is what gets used
CACHE = Path(os.environ.get("OV_BENCH_CACHE", "~/.cache/litellm-ov")).expanduser() / "llama.cpp"
PREFIX = f"llama_cpp_python-{VERSION}/vendor/llama.cpp/"  # inside the sdist


def sdist() -> Path:
    """The sdist file from PyPI, checked against PyPI's SHA-256 (pip download would
    build its build dependencies from source to read its metadata)."""
    import httpx

    where = CACHE / VERSION
    target = where / f"llama_cpp_python-{VERSION}.tar.gz"
    if target.exists():
        return target
    where.mkdir(parents=True, exist_ok=True)
    meta = httpx.get(
        "https://pypi.org/simple/llama-cpp-python/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=60,
    )
    meta.raise_for_status()
    found = next(f for f in meta.json()["files"] if f["filename"] == target.name)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    with httpx.stream("GET", found["url"], timeout=600, follow_redirects=True) as r:
        r.raise_for_status()
        with partial.open("wb") as out:
            for piece in r.iter_bytes():
                digest.update(piece)
                out.write(piece)
    if digest.hexdigest() != found["hashes"]["sha256"]:
        partial.unlink()
        raise SystemExit("llama-cpp-python sdist: SHA-256 mismatch")
    partial.rename(target)
    return target
