"""A GGUF's OpenVINO IR, saved once by GenAI itself.

OpenVINO GenAI reads a GGUF by building an OpenVINO model from it on every load
(about half of a cold start on the default model). Asked with
`enable_save_ov_model`, it saves that model and its tokenizers as an IR beside the
file: the same graph and weights (the GGUF's own quantization), loaded without the
rebuild. No torch, no optimum, no download.

The IR is built in a staging folder and renamed into place, with a marker naming
the GGUF's checksum and the GenAI version written last: a half-built IR is never
seen, and one from another GGUF or GenAI version is rebuilt.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

MARKER = "ir_source.json"
IR_FILES = (
    "openvino_model.xml",
    "openvino_model.bin",
    "openvino_tokenizer.xml",
    "openvino_tokenizer.bin",
    "openvino_detokenizer.xml",
    "openvino_detokenizer.bin",
)


def _genai_version() -> str:
    from importlib import metadata

    return metadata.version("openvino-genai")


def _source(gguf_sha256: str) -> dict[str, str]:
    return {"gguf_sha256": gguf_sha256, "openvino_genai": _genai_version()}


def is_current(target: Path, gguf_sha256: str) -> bool:
    """`target` holds a complete IR of this GGUF, saved by this GenAI version."""
    try:
        marker = json.loads((target / MARKER).read_text())
    except (OSError, ValueError):
        return False
    complete = all((target / name).is_file() for name in IR_FILES)
    return complete and marker == _source(gguf_sha256)


def _save(gguf: Path, folder: Path) -> None:
    """GenAI's IR of `gguf` written into `folder` (where the GGUF's link sits)."""
    import openvino_genai

    link = folder / gguf.name
    try:
        os.link(gguf, link)
    except OSError:
        link.symlink_to(gguf.resolve())
    pipe = openvino_genai.LLMPipeline(str(link), "CPU", enable_save_ov_model=True)
    del pipe
    link.unlink()
    missing = [name for name in IR_FILES if not (folder / name).is_file()]
    if missing:
        raise RuntimeError(f"OpenVINO GenAI saved no {', '.join(missing)} for {gguf.name}")


STAGING = ".ir-"
STALE_SECONDS = 3600.0


def _drop_stale_staging(folder: Path) -> None:
    """Staging folders a killed run left behind (an hour old: never a live build)."""
    for old in folder.glob(f"{STAGING}*"):
        if time.time() - old.stat().st_mtime > STALE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)


def ir_from_gguf(gguf: Path, gguf_sha256: str, target: Path) -> Path:
    """The IR of `gguf` in `target`, built only when missing or stale; returns `target`."""
    if is_current(target, gguf_sha256):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _drop_stale_staging(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=target.parent))
    try:
        _save(gguf, staging)
        (staging / MARKER).write_text(json.dumps(_source(gguf_sha256)) + "\n")
        if target.exists():  # stale or half-written by hand: ours to replace
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
