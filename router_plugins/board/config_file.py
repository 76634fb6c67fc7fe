"""Reading a LiteLLM config file's model_list as LiteLLM reads it (`include:`d
files too): for `ov-board check` and for the proxy's board reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import BoardConfigError


def model_list(path: Path, seen: frozenset[Path] = frozenset()) -> list[dict[str, Any]]:
    """The config's model_list with those of the files it `include:`s (as LiteLLM
    reads them: paths relative to the including file)."""
    path = path.resolve()
    if path in seen:
        raise BoardConfigError(f"{path} includes itself")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BoardConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise BoardConfigError(f"{path} is not a LiteLLM config (a mapping)")
    entries = [e for e in raw.get("model_list") or [] if isinstance(e, dict)]
    for included in raw.get("include") or []:
        entries += model_list(path.parent / str(included), seen | {path})
    return entries
