"""An IR saved in another weight format: the GGUF's IR recast to int8 or fp16.

The IR GenAI saves from the default GGUF keeps the GGUF's 4-bit weights; on CPUs
where 4-bit kernels are slower than int8 ones (AVX2 without AVX-512: bench/formats.py),
the same model in int8 decodes faster. Recasting folds the 4-bit weights back to
floats (OpenVINO's ConstantFolding), then compresses them again: int8 with NNCF's
per-channel asymmetric weight compression (what optimum-intel uses), fp16 by saving
compressed. The tokenizers are copied. No torch, no download, no calibration data.

Built in a locked staging folder and renamed into place like gguf_ir, with a marker
naming the source IR's marker and the format: a half-built IR is never seen, and a
stale one (another GGUF, GenAI or NNCF version) is rebuilt.
"""

from __future__ import annotations

import json
import shutil
from importlib import metadata
from pathlib import Path

from .gguf_ir import IR_FILES, MARKER, build_in_place

FORMATS = ("int8", "fp16")


class RecastUnavailable(RuntimeError):
    """The format cannot be made here (NNCF is not installed)."""


def _source(ir: Path, fmt: str) -> dict[str, object]:
    marker = json.loads((ir / MARKER).read_text())
    versions = {"openvino": metadata.version("openvino")}
    if fmt == "int8":
        versions["nncf"] = metadata.version("nncf")
    return {"from": marker, "weight_format": fmt, **versions}


def can_recast(fmt: str) -> bool:
    """`fmt` can be made on this install (int8 needs NNCF, the `proxy` extra has it)."""
    if fmt not in FORMATS:
        return False
    if fmt == "fp16":
        return True
    try:
        metadata.version("nncf")
    except metadata.PackageNotFoundError:
        return False
    return True


def is_current(target: Path, ir: Path, fmt: str) -> bool:
    try:
        marker = json.loads((target / MARKER).read_text())
    except (OSError, ValueError):
        return False
    complete = all((target / name).is_file() for name in IR_FILES)
    return complete and marker == _source(ir, fmt)


def _write(ir: Path, fmt: str, folder: Path) -> None:
    import openvino as ov
    from openvino.passes import ConstantFolding, Manager

    model = ov.Core().read_model(str(ir / "openvino_model.xml"))
    passes = Manager()
    passes.register_pass(ConstantFolding())  # the 4-bit weights back to floats
    passes.run_passes(model)
    if fmt == "int8":
        import nncf

        model = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    ov.save_model(model, str(folder / "openvino_model.xml"), compress_to_fp16=fmt == "fp16")
    for name in IR_FILES:
        if name.startswith(("openvino_tokenizer", "openvino_detokenizer")):
            shutil.copyfile(ir / name, folder / name)


def recast(ir: Path, fmt: str, target: Path) -> Path:
    """The model of the IR folder `ir` in weight format `fmt`, in `target`; built only
    when missing or stale. Raises RecastUnavailable when `fmt` cannot be made here."""
    if not can_recast(fmt):
        raise RecastUnavailable(f"cannot make {fmt} weights here (int8 needs nncf)")
    if is_current(target, ir, fmt):
        return target
    return build_in_place(target, lambda folder: _write(ir, fmt, folder), _source(ir, fmt))
