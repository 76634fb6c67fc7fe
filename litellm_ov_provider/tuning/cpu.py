"""The CPU the node runs on, as a class that decides which formats and hints are fast.

The class comes from the instruction sets the kernel reports (/proc/cpuinfo flags on
Linux), checked against what OpenVINO says it can use (OPTIMIZATION_CAPABILITIES:
BF16 needs AVX-512 BF16 or AMX). Without /proc/cpuinfo the OpenVINO figures alone
decide, more coarsely.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Most capable first: the first class whose flags are all present is the CPU's.
CLASSES: tuple[tuple[str, frozenset[str]], ...] = (
    ("amx", frozenset({"amx_tile", "amx_bf16", "amx_int8"})),
    ("avx512-bf16", frozenset({"avx512f", "avx512_vnni", "avx512_bf16"})),
    ("avx512-vnni", frozenset({"avx512f", "avx512_vnni"})),
    ("avx512", frozenset({"avx512f"})),
    ("avx2-vnni", frozenset({"avx2", "avx_vnni"})),
    ("avx2", frozenset({"avx2"})),
)
BASELINE = "baseline"  # SSE4.2 only: OpenVINO's slowest kernels


@dataclass(frozen=True)
class CpuInfo:
    name: str
    cores: int
    isa: str  # one of CLASSES' names, or BASELINE
    capabilities: tuple[str, ...]  # OpenVINO's OPTIMIZATION_CAPABILITIES

    def summary(self) -> str:
        return f"{self.name}, {self.cores} cores, {self.isa}"


def isa_class(flags: frozenset[str], capabilities: tuple[str, ...]) -> str:
    """Pure: the class of a CPU from its flags; with no flags, from OpenVINO's
    capabilities (BF16 means at least AVX-512 BF16)."""
    if flags:
        for name, needs in CLASSES:
            if needs <= flags:
                return name
        return BASELINE
    return "avx512-bf16" if "BF16" in capabilities else "avx2"


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """Pure: the first `flags` line of /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


@lru_cache(maxsize=1)
def detect() -> CpuInfo:
    """This machine's CPU (read once)."""
    import openvino as ov

    core = ov.Core()
    name = str(core.get_property("CPU", "FULL_DEVICE_NAME")).strip()
    caps = tuple(str(c) for c in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"))
    try:
        flags = cpu_flags(Path("/proc/cpuinfo").read_text(errors="replace"))
    except OSError:
        flags = frozenset()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return CpuInfo(name=name, cores=cores or 1, isa=isa_class(flags, caps), capabilities=caps)


def cpu_summary() -> str:
    return detect().summary()
