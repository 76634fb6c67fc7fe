"""Where converted models live, and crash-safe staging.

    <root>/converted_models/<name>/task-<task>__wf-<format>/   served models
    <root>/converted_models/.staging/<id>/                     exports in progress
    <root>/og_models/<source name>                             originals, moved

A staging dir is held with an exclusive flock for the life of the conversion, so
the next run can tell a crashed conversion's leftovers (lock free) from a
concurrent one (lock held) and clean only the former.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from litellm_ov_provider.layout import model_dir

LOCK = ".lock"


@dataclass(frozen=True)
class Layout:
    registry_path: Path
    root: Path

    @property
    def converted(self) -> Path:
        return self.registry_path.parent

    @property
    def staging_root(self) -> Path:
        return self.converted / ".staging"

    @property
    def originals(self) -> Path:
        return self.root / "og_models"

    def output_dir(self, name: str, task: str, weight_format: str) -> Path:
        return model_dir(self.converted, name, task, weight_format)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A fresh staging dir on the converted models' filesystem, removed on exit
        unless its contents were moved out."""
        self.staging_root.mkdir(parents=True, exist_ok=True)
        path = self.staging_root / uuid.uuid4().hex
        path.mkdir()
        fd = os.open(path / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
            os.close(fd)

    def clean_leftovers(self, min_age: float = 60.0) -> list[Path]:
        """Remove staging dirs whose conversion is gone: older than `min_age` seconds
        (a new dir takes its lock within milliseconds) and with a free lock."""
        removed: list[Path] = []
        if not self.staging_root.is_dir():
            return removed
        now = time.time()
        for entry in self.staging_root.iterdir():
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
                continue  # a live conversion
            finally:
                os.close(fd)
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
        return removed


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
