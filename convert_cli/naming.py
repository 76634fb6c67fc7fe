"""Friendly model names: suggestions, validation, automatic suffixes (pure)."""

from __future__ import annotations

from collections.abc import Container

from litellm_ov_provider.registry.entries import name_from_path as suggest_name
from litellm_ov_provider.registry.entries import validate_name

__all__ = ["suggest_name", "unique_name"]


def unique_name(base: str, taken: Container[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is free. Never overwrites."""
    validate_name(base)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return validate_name(f"{base}-{n}")
