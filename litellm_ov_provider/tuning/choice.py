"""Which weight format and engine hints are fastest on a class of CPU (pure).

Each row is what bench/formats.py measured on a CPU of that class, decoding the
default model (SmolLM2-135M, one stream): the weight formats fastest first and the
named set of CPU properties that won. A CPU class nobody has measured gets
OpenVINO's own defaults and int8 first (the format most CPUs run fastest), and says
so. A registry entry's own `engine` properties win over these, key by key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .cpu import CpuInfo

# Named sets of OpenVINO CPU properties (bench/formats.py measures each).
HINTS = ("openvino", "kv-full", "dq-off", "kv-full+dq-off", "f32")


def properties(hints: str, cpu: CpuInfo) -> dict[str, Any]:
    """The CPU properties of a named set. "kv-full" keeps the KV cache at the
    inference precision (bf16 where the CPU has it: OpenVINO refuses an f32 cache
    beside bf16 math), not OpenVINO's default u8; "f32" computes in f32 throughout."""
    full = "bf16" if "BF16" in cpu.capabilities else "f32"
    sets: dict[str, dict[str, Any]] = {
        "openvino": {},  # OpenVINO's defaults (u8 KV cache, dynamic quantization of 32)
        "kv-full": {"KV_CACHE_PRECISION": full},
        "dq-off": {"DYNAMIC_QUANTIZATION_GROUP_SIZE": 0},
        "kv-full+dq-off": {"KV_CACHE_PRECISION": full, "DYNAMIC_QUANTIZATION_GROUP_SIZE": 0},
        "f32": {
            "INFERENCE_PRECISION_HINT": "f32",
            "KV_CACHE_PRECISION": "f32",
            "DYNAMIC_QUANTIZATION_GROUP_SIZE": 0,
        },
    }
    return sets[hints]


@dataclass(frozen=True)
class Row:
    formats: tuple[str, ...]  # fastest first; "q4" stands for every 4-bit format
    hints: str
    measured: str  # where and what: the evidence the log and `ov-llm ps` cite


UNMEASURED = Row(("int8", "q4", "fp16"), "openvino", "not measured on this CPU class")

TABLE: Mapping[str, Row] = {
    "avx512-bf16": Row(
        ("q4", "int8", "fp16"),
        "openvino",
        "2026-12-07, AMD EPYC AVX-512 BF16, 5 rounds: 4-bit IR 89 tok/s, 25 ms TTFT; int8 "
        "without dynamic quantization 93 tok/s but 32 ms and 45 % larger; fp16 53",
    ),
    "avx2": Row(
        ("int8", "q4", "fp16"),
        "openvino",
        "2026-12-06, AMD EPYC AVX2 without AVX-512: int8 IR 75.5 tok/s, 4-bit IR 65.5",
    ),
}


@dataclass(frozen=True)
class Choice:
    weight_format: str
    hints: str
    properties: Mapping[str, Any]
    why: str


def low_bit(weight_format: str) -> bool:
    return weight_format.strip().lower().startswith(("int4", "q4", "q3", "q2", "iq"))


def format_rank(isa: str, weight_format: str) -> int:
    """Where `weight_format` stands on this CPU class: 0 is the fastest."""
    order = TABLE.get(isa, UNMEASURED).formats
    wf = "q4" if low_bit(weight_format) else weight_format.strip().lower()
    return order.index(wf) if wf in order else len(order)


def choose(cpu: CpuInfo, available: Iterable[str]) -> Choice:
    """The fastest of the `available` weight formats on `cpu`, with its hints."""
    row = TABLE.get(cpu.isa, UNMEASURED)
    formats = list(available)
    best = min(formats, key=lambda f: format_rank(cpu.isa, f)) if formats else row.formats[0]
    why = f"{cpu.isa} CPU: {best} weights, {row.hints} hints ({row.measured})"
    return Choice(best, row.hints, properties(row.hints, cpu), why)


def hints_for(cpu: CpuInfo) -> Choice:
    """The engine hints for any model on `cpu` (its format is the registry's)."""
    row = TABLE.get(cpu.isa, UNMEASURED)
    why = f"{cpu.isa} CPU: {row.hints} hints ({row.measured})"
    return Choice("", row.hints, properties(row.hints, cpu), why)


def cpu_formats() -> tuple[str, ...]:
    """The weight formats fastest first on this machine's CPU ("q4": any 4-bit one)."""
    from .cpu import detect

    return TABLE.get(detect().isa, UNMEASURED).formats


NO_HINTS = Choice("", "openvino", {}, "")


def engine_hints(device: str) -> Choice:
    """The hints for a model on `device`: this CPU's, or none off the CPU."""
    if device.strip().upper() != "CPU":
        return NO_HINTS
    from .cpu import detect

    return hints_for(detect())
