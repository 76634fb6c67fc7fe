"""Model families (pure): one name for a model converted in several weight formats.

`ov-convert-model` writes `family: <name>` into each variant's registry entry. The
family name is a route of its own, pointing at the preferred variant for the device
it runs on: int8 first, then fp16, bf16, fp32, then other formats; int4-class weights
(int4, GGUF q4/q3/q2) never for a GPU, where they are unstable. A variant named
directly keeps its own route; an int4-class variant asked to run on a GPU runs on the
CPU instead (logged). A registry model whose name equals a family name wins over the
family (logged).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container, Mapping, Sequence

from .entries import ResolvedModel

log = logging.getLogger(__name__)

PREFERENCE = ("int8", "fp16", "bf16", "fp32", "f16", "f32")
_LOW_BITS = ("int4", "q4", "q3", "q2", "iq4", "iq3", "iq2")


def is_gpu(device: str) -> bool:
    """GPU, GPU.1, and virtual devices that may pick one (AUTO:GPU,CPU, HETERO:GPU...).
    Plain AUTO may pick the iGPU too."""
    wanted = device.strip().upper()
    return "GPU" in wanted or wanted == "AUTO"


def is_low_bit(weight_format: str) -> bool:
    """int4-class weights: unstable on Intel GPUs."""
    return weight_format.strip().lower().startswith(_LOW_BITS)


def variant_device(device: str, weight_format: str) -> str:
    """Where a variant runs: never int4-class weights on a GPU (the CPU instead)."""
    return "CPU" if is_gpu(device) and is_low_bit(weight_format) else device


def _rank(weight_format: str, device: str, cpu_order: Sequence[str]) -> tuple[int, int, str]:
    wf = weight_format.strip().lower()
    first = len(cpu_order)
    if cpu_order and device.strip().upper() == "CPU":
        key = "q4" if is_low_bit(wf) else wf
        first = cpu_order.index(key) if key in cpu_order else len(cpu_order)
    if wf in PREFERENCE:
        return first, PREFERENCE.index(wf), wf
    return first, len(PREFERENCE) + (1 if is_low_bit(wf) else 0), wf


def choose_variant(
    variants: Sequence[tuple[str, str, str]], cpu_order: Sequence[str] = ()
) -> str | None:
    """The variant a family name serves: (name, weight format, device it was asked to
    run on) -> name, or None when none may (only int4-class variants for a GPU).
    `cpu_order`: weight formats fastest first on this CPU ("q4": any 4-bit one)."""
    allowed = [v for v in variants if variant_device(v[2], v[1]) == v[2]]
    if not allowed:
        return None
    return min(allowed, key=lambda v: (_rank(v[1], v[2], cpu_order), v[0]))[0]


def family_aliases(
    models: Mapping[str, ResolvedModel],
    device_of: Callable[[ResolvedModel], str],
    taken: Container[str] = (),
    cpu_order: Sequence[str] = (),
) -> dict[str, str]:
    """family name -> the variant it serves, for every family of `models`; a family
    named like a model or another registry entry (`taken`: the broken ones) has none."""
    families: dict[str, list[tuple[str, str, str]]] = {}
    for name, model in models.items():
        family = model.entry.family
        if family:
            variant = (name, model.entry.weight_format, device_of(model))
            families.setdefault(family, []).append(variant)
    out: dict[str, str] = {}
    for family, variants in sorted(families.items()):
        if family in models or family in taken:
            if any(v[0] != family for v in variants):
                log.info("family %r: a registry model has that name; it wins", family)
            continue
        chosen = choose_variant(variants, cpu_order)
        if chosen is None:
            log.warning("family %r: only int4-class variants, none of them for a GPU", family)
            continue
        out[family] = chosen
    return out
