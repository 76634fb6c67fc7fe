"""Facts about a model read from its files, without loading it."""

from __future__ import annotations

import json
import struct
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

_CONTEXT_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length")


def model_file_kind(path: Path) -> str:
    """ "gguf" for a GGUF file, "ir" for an OpenVINO IR directory."""
    return "gguf" if path.is_file() and path.suffix.lower() == ".gguf" else "ir"


def context_length(path: Path) -> int | None:
    """The model's trained context window, from config.json or GGUF metadata."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _context_length_cached(path, stamp)


@lru_cache(maxsize=256)
def _context_length_cached(path: Path, _stamp: int) -> int | None:
    if model_file_kind(path) == "gguf":
        return _gguf_context_length(path)
    config = path / "config.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    for key in _CONTEXT_KEYS:
        value = data.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return None


_GGUF_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_GGUF_STRING, _GGUF_ARRAY = 8, 9


def _gguf_context_length(path: Path) -> int | None:
    meta = gguf_metadata(path)
    value = meta.get(f"{meta.get('general.architecture')}.context_length")
    return value if isinstance(value, int) else None


def gguf_metadata(path: Path) -> dict[str, object]:
    """GGUF metadata key/values (arrays skipped, not read); no tensors are touched."""
    meta: dict[str, object] = {}
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            return meta
        _version, _n_tensors, n_kv = struct.unpack("<IQQ", f.read(20))
        for _ in range(n_kv):
            key = _read_str(f)
            vtype = struct.unpack("<I", f.read(4))[0]
            value = _read_value(f, vtype)
            if value is not None:
                meta[key] = value
    return meta


def _read_str(f: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", f.read(8))
    return f.read(length).decode("utf-8", errors="replace")


def _read_value(f: BinaryIO, vtype: int) -> object:
    if vtype == _GGUF_STRING:
        return _read_str(f)
    if vtype == _GGUF_ARRAY:
        item_type, count = struct.unpack("<IQ", f.read(12))
        if item_type in _GGUF_SCALARS:
            f.seek(struct.calcsize(_GGUF_SCALARS[item_type]) * count, 1)
        else:
            for _ in range(count):
                _read_value(f, item_type)
        return None
    fmt = _GGUF_SCALARS.get(vtype)
    if fmt is None:
        raise ValueError(f"unknown GGUF value type {vtype}")
    return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
