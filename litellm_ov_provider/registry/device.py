"""Which OpenVINO device a model really runs on."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

from ..settings import Settings
from .entries import ResolvedModel
from .families import variant_device

log = logging.getLogger(__name__)

_VIRTUAL = ("AUTO", "HETERO", "MULTI", "BATCH")
_warned: set[str] = set()
_warned_lock = threading.Lock()


@lru_cache(maxsize=1)
def available_devices() -> tuple[str, ...]:
    """The devices OpenVINO sees on this machine (e.g. ("CPU",) or ("CPU", "GPU.0"))."""
    import openvino as ov

    return tuple(ov.Core().available_devices)


def pick_device(requested: str, available: tuple[str, ...]) -> str:
    """Pure choice: the requested device if present (GPU matches GPU.0), virtual
    devices as asked, else CPU."""
    wanted = requested.strip().upper() or "CPU"
    if wanted.startswith(_VIRTUAL):
        return wanted
    if any(dev == wanted or dev.split(".")[0] == wanted for dev in available):
        return wanted
    return "CPU"


def warn_once(key: str, message: str, *args: object) -> None:
    """Log a warning the first time `key` is seen in this process."""
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(message, *args)


def resolve_device(requested: str) -> str:
    """Resolve and log a CPU fallback once per requested device."""
    chosen = pick_device(requested, available_devices())
    if chosen != requested.strip().upper():
        found = ", ".join(available_devices()) or "none"
        warn_once(
            requested,
            "device %s is not available (found: %s); falling back to CPU",
            requested,
            found,
        )
    return chosen


def asked_device(entry_device: str | None, default: str) -> str:
    """The device a registry entry asks for (its own, else the node's OV_DEVICE), as
    this machine can give it; families.variant_device then keeps int4 off GPUs."""
    return resolve_device(entry_device or default)


def model_facts(model: ResolvedModel, settings: Settings) -> tuple[str, int | None]:
    """The device a model really runs on (never int4-class weights on a GPU) and its
    context window (entry, else files, as read when the registry was loaded)."""
    asked = asked_device(model.entry.device, settings.device)
    device = variant_device(asked, model.entry.weight_format)
    if device != asked:
        warn_once(
            f"int4:{model.name}",
            "model %r: %s weights are unstable on %s; running on CPU",
            model.name,
            model.entry.weight_format,
            asked,
        )
    return device, model.context_length
