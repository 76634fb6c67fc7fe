"""Where converted models live, and crash-safe staging.

    <root>/converted_models/<name>/task-<task>__wf-<format>/   served models
    <root>/converted_models/.staging/<id>/                     exports in progress
    <root>/og_models/<source name>                             originals, moved

Staging (litellm_ov_provider.layout.staging) is held with an exclusive flock for the
life of the conversion, so the next run can tell a crashed conversion's leftovers
(lock free) from a concurrent one (lock held) and clean only the former.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from litellm_ov_provider.registry.layout import clean_leftovers, model_dir, staging


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

    def staging(self) -> AbstractContextManager[Path]:
        """A fresh staging dir on the converted models' filesystem, removed on exit
        unless its contents were moved out."""
        return staging(self.staging_root)

    def clean_leftovers(self, min_age: float = 60.0) -> list[Path]:
        """Remove staging dirs whose conversion is gone (see `clean_leftovers`)."""
        return clean_leftovers(self.staging_root, min_age)


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
