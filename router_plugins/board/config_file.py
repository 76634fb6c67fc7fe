"""Reading a LiteLLM config file's model_list as LiteLLM reads it (`include:`d
files too): for `ov-board check` and for the proxy's board reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from litellm_ov_provider.mesh.nodes import config_problem

from ..errors import BoardConfigError


def model_list(
    path: Path, seen: frozenset[Path] = frozenset(), read: list[Path] | None = None
) -> list[dict[str, Any]]:
    """The config's model_list with those of the files it `include:`s (as LiteLLM
    reads them: paths relative to the including file); `read` is told each file."""
    path = path.resolve()
    if path in seen:
        raise BoardConfigError(f"{path} includes itself")
    if read is not None:
        read.append(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, ValueError, yaml.YAMLError) as exc:  # never quoting the file
        raise BoardConfigError(f"cannot read {path}: {config_problem(exc)}") from None
    if not isinstance(raw, dict):
        raise BoardConfigError(f"{path} is not a LiteLLM config (a mapping)")
    listed, includes = raw.get("model_list") or [], raw.get("include") or []
    if not isinstance(listed, list) or not isinstance(includes, list):
        raise BoardConfigError(f"{path}: model_list and include must be lists")
    entries = [e for e in listed if isinstance(e, dict)]
    bad = [e.get("model_name") for e in entries if not isinstance(e.get("litellm_params"), dict)]
    if bad:
        raise BoardConfigError(f"{path}: litellm_params must be a mapping (in {bad})")
    for included in includes:
        entries += model_list(path.parent / str(included), seen | {path}, read)
    return entries
