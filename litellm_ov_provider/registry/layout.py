"""Where converted models live (the service's layout; ov-convert-model writes it):

<models root>/converted_models/registry.json
<models root>/converted_models/<name>/task-<task>__wf-<weight format>/

and crash-safe staging for anything built there (conversions, a GGUF's saved IR).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = ".lock"


def model_dir(converted: Path, name: str, task: str, weight_format: str) -> Path:
    """The folder of one converted model (one name, task and weight format)."""
    return converted / name / f"task-{task}__wf-{weight_format}"


@contextmanager
def staging(root: Path) -> Iterator[Path]:
    """A fresh dir under `root` (put it on the target's filesystem, so the result can be
    renamed into place), held with an exclusive flock and removed on exit unless its
    contents were moved out."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / uuid.uuid4().hex
    path.mkdir()
    fd = os.open(path / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)


def clean_leftovers(root: Path, min_age: float = 60.0) -> list[Path]:
    """Remove staging dirs under `root` whose owner is gone: older than `min_age`
    seconds (a new dir takes its lock within milliseconds) and with a free lock."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    now = time.time()
    for entry in root.iterdir():
        if not entry.is_dir() or now - entry.stat().st_mtime < min_age:
            continue
        try:
            fd = os.open(entry / LOCK, os.O_RDWR)
        except FileNotFoundError:
            shutil.rmtree(entry, ignore_errors=True)  # died before taking the lock
            removed.append(entry)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live one
        finally:
            os.close(fd)
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed
