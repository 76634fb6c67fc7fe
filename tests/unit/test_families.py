"""A family name serves its preferred variant for the device (pure: no GPU here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_ov_provider.registry.entries import ModelEntry, ResolvedModel, family_of
from litellm_ov_provider.registry.families import choose_variant, family_aliases, variant_device


def _m(
    name: str, wf: str, family: str | None = "benny-clean", device: str | None = None
) -> ResolvedModel:
    entry = ModelEntry(path=name, weight_format=wf, family=family, device=device)
    return ResolvedModel(name, entry, Path(f"/m/{name}"))


VARIANTS = [
    _m("benny-clean-fp16", "fp16"),
    _m("benny-clean-int8", "int8"),
    _m("benny-clean-int4", "int4"),
]


@pytest.mark.parametrize("device", ["CPU", "GPU", "GPU.0"])
def test_int8_is_preferred_on_any_device(device: str) -> None:
    v = [(m.name, m.entry.weight_format, device) for m in VARIANTS]
    assert choose_variant(v) == "benny-clean-int8"


def test_fp16_when_there_is_no_int8_and_never_int4_on_a_gpu() -> None:
    assert choose_variant([("f", "fp16", "GPU"), ("q", "int4", "GPU")]) == "f"
    assert choose_variant([("q", "int4", "GPU")]) is None
    assert choose_variant([("q", "int4", "CPU")]) == "q"
    assert choose_variant([("g", "q4_1", "GPU.1"), ("f", "fp32", "GPU.1")]) == "f"


def test_an_int4_variant_named_for_a_gpu_runs_on_cpu() -> None:
    assert variant_device("GPU", "int4") == "CPU"
    assert variant_device("GPU.0", "q4_1") == "CPU"
    assert variant_device("GPU", "int8") == "GPU" and variant_device("CPU", "int4") == "CPU"


def test_family_aliases_over_a_registry() -> None:
    models = {m.name: m for m in VARIANTS}
    assert family_aliases(models, lambda m: "GPU") == {"benny-clean": "benny-clean-int8"}
    no_int8 = {k: v for k, v in models.items() if not k.endswith("int8")}
    assert family_aliases(no_int8, lambda m: "GPU") == {"benny-clean": "benny-clean-fp16"}
    only_int4 = {"benny-clean-int4": models["benny-clean-int4"]}
    assert family_aliases(only_int4, lambda m: "GPU") == {}
    assert family_aliases(only_int4, lambda m: "CPU") == {"benny-clean": "benny-clean-int4"}


def test_a_real_model_name_beats_a_family_of_the_same_name() -> None:
    models = {m.name: m for m in VARIANTS} | {"benny-clean": _m("benny-clean", "fp16", None)}
    assert family_aliases(models, lambda m: "CPU") == {}


def test_a_broken_entry_of_the_family_s_name_also_wins() -> None:
    models = {m.name: m for m in VARIANTS}
    assert family_aliases(models, lambda m: "CPU", taken={"benny-clean"}) == {}


@pytest.mark.parametrize("device", ["AUTO", "AUTO:GPU,CPU", "HETERO:GPU,CPU", "MULTI:GPU.0"])
def test_virtual_devices_that_may_pick_a_gpu_count_as_one(device: str) -> None:
    assert variant_device(device, "int4") == "CPU"
    assert choose_variant([("q", "int4", device)]) is None


def test_entries_without_a_family_have_none() -> None:
    models = {"a": _m("a", "int8", None), "b": _m("b", "fp16", None)}
    assert family_aliases(models, lambda m: "CPU") == {}


def test_the_default_family_is_the_name_without_its_format() -> None:
    assert family_of("benny-clean-int8") == "benny-clean"
    assert family_of("benny-clean-fp16") == "benny-clean"
    assert family_of("benny-clean") == "benny-clean"


def test_on_the_cpu_the_measured_order_wins() -> None:
    v = [("f", "fp16", "CPU"), ("q", "int4", "CPU"), ("i", "int8", "CPU")]
    assert choose_variant(v, ("int8", "q4", "fp16")) == "i"
    assert choose_variant(v[:2], ("int8", "q4", "fp16")) == "q"  # 4-bit beat fp16 here
    assert choose_variant(v[:2]) == "f"  # without a measured order: fp16 first
    gpu = [("f", "fp16", "GPU"), ("q", "int4", "GPU")]
    assert choose_variant(gpu, ("int8", "q4", "fp16")) == "f"  # the order is the CPU's only
