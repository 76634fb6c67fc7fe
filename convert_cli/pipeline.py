"""A conversion from source to served model, phase by phase."""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from litellm_ov_provider.registry.entries import family_of, read_registry

from .errors import ConvertError
from .export import Quantization, command, run_export
from .layout import Layout
from .metadata import Conversion
from .registrar import Registered, move_original, register
from .source import EMBED, Source, channel_sizes, content_hash, embedding_options, inspect_source

Phase = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    source: Path
    name: str
    weight_formats: tuple[str, ...] = ("int8",)
    task: str | None = None
    quantization: Quantization = field(default_factory=Quantization)
    keep_original: bool = False
    trust_remote_code: bool = False
    family: str | None = None  # default: the name without a weight-format suffix


@dataclass(frozen=True)
class Converted:
    registered: list[Registered]
    moved_original: Path | None
    warnings: list[str]


def convert(req: Request, layout: Layout, on_phase: Phase) -> Converted:
    layout.clean_leftovers()
    on_phase("load")
    src = inspect_source(req.source, req.task)
    sha = content_hash(src.path)
    warnings: list[str] = []
    registered: list[Registered] = []
    logs = layout.converted / ".logs"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        with layout.staging() as stage:
            hf = _as_hf(src, stage)
            for wf in req.weight_formats:
                started = time.monotonic()
                out = stage / f"ir-{wf}"
                log = logs / f"{time.strftime('%Y%m%d-%H%M%S')}-{req.name}-{wf}.log"
                quant = req.quantization.for_model(wf, channel_sizes(hf))
                cmd = command(hf, out, src.task, wf, quant, req.trust_remote_code)
                run_export(cmd, on_phase, log)
                on_phase("tokenizer")
                warnings += _check_ir(out, src)
                on_phase("write")
                base = req.name if len(req.weight_formats) == 1 else f"{req.name}-{wf}"
                conversion = Conversion(src, sha, wf, quant.as_dict(wf), time.monotonic() - started)
                entry = {**_entry(src, wf), "family": req.family or family_of(req.name)}
                registered.append(register(layout, out, base, entry, conversion))
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ConvertError("the disk is full: no space left while converting") from exc
        raise
    moved = None
    if not req.keep_original:
        served = {m.path for m in read_registry(layout.registry_path, layout.root).models.values()}
        moved = move_original(layout, src.path, served)
    return Converted(registered, moved, warnings)


def _as_hf(src: Source, stage: Path) -> Path:
    if src.kind != "gguf":
        return src.path
    from .gguf_to_hf import convert as gguf_convert

    out = stage / "hf"
    gguf_convert(src.path, out)
    return out


def _entry(src: Source, weight_format: str) -> dict[str, object]:
    entry: dict[str, object] = {
        "task": src.task,
        "weight_format": weight_format,
        "source": str(src.path),
    }
    if src.task == EMBED:
        entry["embedding"] = embedding_options(src.path)
    return entry


def _check_ir(out: Path, src: Source) -> list[str]:
    """The export must hold a model and its OpenVINO tokenizer; chat models should
    carry their chat template."""
    if not (out / "openvino_model.xml").exists():
        raise ConvertError(f"the export produced no openvino_model.xml in {out}")
    if not (out / "openvino_tokenizer.xml").exists():
        raise ConvertError("the export produced no OpenVINO tokenizer (openvino_tokenizer.xml)")
    if src.task == EMBED:
        return []
    import openvino_genai

    if not openvino_genai.Tokenizer(str(out)).chat_template:
        return ["the converted model has no chat template; chat requests will use a default"]
    return []
