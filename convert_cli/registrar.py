"""Putting converted models into service and taking them out, atomically.

Under the registry's file lock: pick a free name (auto-suffix), rename the staged
export into place, write conversion.json, then write the registry (temp file,
fsync, rename). If anything fails, the renamed folder is removed again, so a model
is either fully registered or not there at all.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litellm_ov_provider.registry.entries import update_registry

from .errors import ConvertError
from .layout import Layout
from .metadata import Conversion, write
from .naming import unique_name


@dataclass(frozen=True)
class Registered:
    name: str
    path: Path
    task: str
    weight_format: str
    seconds: float
    family: str | None = None


def register(
    layout: Layout, staged: Path, base: str, entry: dict[str, Any], conversion: Conversion
) -> Registered:
    placed: dict[str, Any] = {}

    def mutate(data: dict[str, Any]) -> None:
        taken = set(data["models"]) | {p.name for p in layout.converted.iterdir()}
        name = unique_name(base, taken)
        final = layout.output_dir(name, entry["task"], entry["weight_format"])
        final.parent.mkdir(parents=True)
        placed["root"] = final.parent
        os.rename(staged, final)
        write(final / "conversion.json", conversion.document(name))
        data["models"][name] = {**entry, "path": str(final)}
        placed.update(name=name, path=final)

    try:
        update_registry(layout.registry_path, mutate)
    except BaseException:
        if "root" in placed:
            shutil.rmtree(placed["root"], ignore_errors=True)
        raise
    return Registered(
        placed["name"],
        placed["path"],
        entry["task"],
        entry["weight_format"],
        conversion.seconds,
        entry.get("family"),
    )


def remove(layout: Layout, name: str, delete_files: bool) -> Path | None:
    """Drop `name` from the registry; with delete_files, also its converted folder
    (only ever a folder under converted_models)."""
    found: dict[str, Any] = {}

    def mutate(data: dict[str, Any]) -> None:
        if name not in data["models"]:
            raise ConvertError(f"no model named {name!r} in {layout.registry_path}")
        found.update(data["models"].pop(name))

    update_registry(layout.registry_path, mutate)
    path = Path(found.get("path", "")).expanduser()
    if not delete_files or not found.get("path"):
        return None
    folder = layout.converted / name
    if path.resolve().is_relative_to(folder.resolve()) and folder.is_dir():
        shutil.rmtree(folder)
        return folder
    raise ConvertError(
        f"removed {name!r} from the registry but left its files: {path} is not under {folder}"
    )


def move_original(layout: Layout, source: Path, registry_paths: set[Path]) -> Path | None:
    """Move a source that lives under the models root into og_models. Sources
    elsewhere, served models and anything under converted_models stay put."""
    resolved = source.resolve()
    protected = (layout.converted.resolve(), layout.originals.resolve())
    if not resolved.is_relative_to(layout.root) or any(
        resolved.is_relative_to(p) for p in protected
    ):
        return None
    if any(p == resolved or p.is_relative_to(resolved) for p in registry_paths):
        return None
    layout.originals.mkdir(parents=True, exist_ok=True)
    target = layout.originals / unique_name(
        resolved.name if resolved.name[0].isalnum() else f"m{resolved.name}",
        {p.name for p in layout.originals.iterdir()},
    )
    shutil.move(str(resolved), target)
    return target
