"""A GGUF's OpenVINO IR, saved once by GenAI itself.

OpenVINO GenAI reads a GGUF by building an OpenVINO model from it on every load
(about half of a cold start on the default model). Asked with
`enable_save_ov_model`, it saves that model and its tokenizers as an IR beside the
file: the same graph and weights (the GGUF's own quantization), loaded without the
rebuild. No torch, no optimum, no download.

The IR is built in a locked staging folder (litellm_ov_provider.layout.staging) and
renamed into place, with a marker naming the GGUF's checksum and the GenAI version
written last: a half-built IR is never seen, one from another GGUF or GenAI version
is rebuilt, and a killed build's leftovers are cleaned by the next run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from .layout import clean_leftovers, staging

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


STAGING = ".staging"  # beside the target: the same filesystem, so a rename moves it


def build_in_place(target: Path, write: Callable[[Path], None], source: object) -> Path:
    """`write(folder)` in locked staging beside `target`, the marker naming `source`
    written last, then renamed into place (a stale `target` is ours to replace)."""
    root = target.parent / STAGING
    clean_leftovers(root)
    with staging(root) as stage:
        built = stage / "ir"
        built.mkdir()
        write(built)
        (built / MARKER).write_text(json.dumps(source) + "\n")
        if target.exists():  # stale or half-written by hand: ours to replace
            shutil.rmtree(target)
        os.replace(built, target)
    return target


def ir_from_gguf(gguf: Path, gguf_sha256: str, target: Path) -> Path:
    """The IR of `gguf` in `target`, built only when missing or stale; returns `target`."""
    if is_current(target, gguf_sha256):
        return target
    return build_in_place(target, lambda folder: _save(gguf, folder), _source(gguf_sha256))
