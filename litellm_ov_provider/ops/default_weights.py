"""The weight format `make run` saves the default model in, for the CPU at hand.

The default GGUF's IR keeps its 4-bit weights. Where bench/formats.py measured
another format faster on this class of CPU (tuning.choice), that IR is recast
(registry/recast.py) beside it, once; the registry entry points at the result.
`--format` (make run's DEFAULT_FORMAT) forces one: q4, int8 or fp16.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..registry.recast import FORMATS, RecastUnavailable, can_recast, recast
from ..tuning.choice import choose
from ..tuning.cpu import detect

CHOICES = ("auto", "q4", *FORMATS)


@dataclass(frozen=True)
class Weights:
    path: Path
    weight_format: str  # "" keeps the GGUF's own (e.g. q4_1)
    why: str


def recast_dir(ir: Path, fmt: str) -> Path:
    return ir.with_name(f"{ir.name}-{fmt}")


def default_weights(ir: Path, wanted: str = "auto") -> Weights:
    """The default model's weights to serve: `ir` (4-bit) or its recast."""
    if wanted == "auto":
        cpu = detect()
        choice = choose(cpu, ["q4", *(f for f in FORMATS if can_recast(f))])
        fmt, why = choice.weight_format, choice.why
    else:
        fmt, why = wanted, f"{wanted} weights, as asked"
    if fmt == "q4":
        return Weights(ir, "", why)
    try:
        return Weights(recast(ir, fmt, recast_dir(ir, fmt)), fmt, why)
    except (RecastUnavailable, RuntimeError, OSError) as exc:
        return Weights(ir, "", f"4-bit weights: {fmt} could not be made ({exc})")
