"""Facts about a model read from its files, without loading it.

`inspect_model` is what the catalog calls for every registry entry: it returns the
context window (None when the files do not say) and raises ModelFileError, with a
reason that names no path, when the files are missing or cannot be read (a truncated
or corrupt GGUF). Reads are bounded by the file's size, so a corrupt length field can
never make us allocate or loop without end.
"""

from __future__ import annotations

import json
import struct
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

_CONTEXT_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length")
IR_MODEL = "openvino_model.xml"


class ModelFileError(Exception):
    """A model's files are missing or unreadable; `reason` is safe to show a client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def model_file_kind(path: Path) -> str:
    """ "gguf" for a GGUF file, "ir" for an OpenVINO IR directory."""
    return "gguf" if path.is_file() and path.suffix.lower() == ".gguf" else "ir"


def inspect_model(path: Path) -> int | None:
    """The model's trained context window (None when unknown); ModelFileError when its
    files are missing or cannot be read."""
    try:
        st = path.stat()
    except OSError:
        raise ModelFileError("its files are missing") from None
    return _inspect_cached(path, st.st_mtime_ns, st.st_size)


def context_length(path: Path) -> int | None:
    """The context window, or None when unknown or unreadable."""
    try:
        return inspect_model(path)
    except ModelFileError:
        return None


@lru_cache(maxsize=256)
def _inspect_cached(path: Path, _mtime: int, _size: int) -> int | None:
    if model_file_kind(path) == "gguf":
        return _gguf_context_length(path)
    if not (path / IR_MODEL).is_file():
        raise ModelFileError(f"its files are incomplete ({IR_MODEL} is missing)")
    try:
        data = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    for key in _CONTEXT_KEYS:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
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
_GGUF_ALIGNMENT = 32
_MAX_DIMS = 8
# ggml tensor type -> (elements per block, bytes per block); gguf-py's GGML_QUANT_SIZES.
_GGML_BLOCKS = {
    0: (1, 4),
    1: (1, 2),
    2: (32, 18),
    3: (32, 20),
    6: (32, 22),
    7: (32, 24),
    8: (32, 34),
    9: (32, 40),
    10: (256, 84),
    11: (256, 110),
    12: (256, 144),
    13: (256, 176),
    14: (256, 210),
    15: (256, 292),
    16: (256, 66),
    17: (256, 74),
    18: (256, 98),
    19: (256, 50),
    20: (32, 18),
    21: (256, 110),
    22: (256, 82),
    23: (256, 136),
    24: (1, 1),
    25: (1, 2),
    26: (1, 4),
    27: (1, 8),
    28: (1, 8),
    29: (256, 56),
    30: (1, 2),
    34: (256, 54),
    35: (256, 66),
    39: (32, 17),
    40: (64, 36),
    41: (128, 18),
}


def _gguf_context_length(path: Path) -> int | None:
    meta = gguf_metadata(path)
    value = meta.get(f"{meta.get('general.architecture')}.context_length")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def gguf_metadata(path: Path) -> dict[str, object]:
    """GGUF metadata key/values (arrays skipped, not read). Also checks that the file
    is long enough to hold every tensor's start, so a truncated download is found
    without loading it. Raises ModelFileError for anything unreadable."""
    try:
        with path.open("rb") as f:
            return _Reader(f, path.stat().st_size).read()
    except OSError:
        raise ModelFileError("its GGUF file cannot be read") from None
    except (struct.error, ValueError, UnicodeDecodeError, OverflowError):
        raise ModelFileError("its GGUF file is truncated or corrupt") from None


class _Reader:
    def __init__(self, f: BinaryIO, size: int) -> None:
        self.f, self.size = f, size

    def read(self) -> dict[str, object]:
        if self.f.read(4) != b"GGUF":
            raise ValueError("not a GGUF file")
        _version, n_tensors, n_kv = struct.unpack("<IQQ", self._take(20))
        meta: dict[str, object] = {}
        for _ in range(n_kv):
            key = self._str()
            value = self._value(self._u32())
            if value is not None:
                meta[key] = value
        self._check_tensors(n_tensors, meta)
        return meta

    def _take(self, n: int) -> bytes:
        if n < 0 or self.f.tell() + n > self.size:
            raise ValueError("read past the end of the file")
        return self.f.read(n)

    def _u32(self) -> int:
        return int(struct.unpack("<I", self._take(4))[0])

    def _u64(self) -> int:
        return int(struct.unpack("<Q", self._take(8))[0])

    def _str(self) -> str:
        return self._take(self._u64()).decode("utf-8")

    def _skip(self, n: int) -> None:
        self._take(0)
        if self.f.tell() + n > self.size:
            raise ValueError("skip past the end of the file")
        self.f.seek(n, 1)

    def _value(self, vtype: int) -> object:
        if vtype == _GGUF_STRING:
            return self._str()
        if vtype == _GGUF_ARRAY:
            item_type, count = struct.unpack("<IQ", self._take(12))
            if item_type in _GGUF_SCALARS:
                self._skip(struct.calcsize(_GGUF_SCALARS[item_type]) * count)
            else:
                for _ in range(count):
                    self._value(item_type)
            return None
        fmt = _GGUF_SCALARS.get(vtype)
        if fmt is None:
            raise ValueError(f"unknown GGUF value type {vtype}")
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0]

    def _check_tensors(self, n_tensors: int, meta: dict[str, object]) -> None:
        """The file must hold every tensor's data (its start, and its end when the
        type's block size is known)."""
        end = 0
        for _ in range(n_tensors):
            self._skip(self._u64())  # name
            n_dims = self._u32()
            if n_dims > _MAX_DIMS:
                raise ValueError("implausible tensor rank")
            elements = 1
            for _ in range(n_dims):
                elements *= self._u64()
            kind, offset = self._u32(), self._u64()
            block, size = _GGML_BLOCKS.get(kind, (1, 0))
            end = max(end, offset + 1, offset + -(-elements // block) * size)
        align = meta.get("general.alignment", _GGUF_ALIGNMENT)
        align = align if isinstance(align, int) and align > 0 else _GGUF_ALIGNMENT
        data_start = -(-self.f.tell() // align) * align
        if n_tensors and data_start + end > self.size:
            raise ValueError("tensor data lies past the end of the file")
