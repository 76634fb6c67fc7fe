"""The registry as the node serves it: last good version, reloaded when the file changes."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from ..errors import RegistryError
from ..settings import Settings
from ..tuning.choice import cpu_formats
from .device import asked_device
from .entries import ModelEntry, Registry, ResolvedModel, name_from_path, read_registry
from .families import family_aliases
from .modelinfo import ModelFileError, inspect_model

log = logging.getLogger(__name__)

Stamp = tuple[int, int, int] | None


def file_stamp(path: Path) -> Stamp:
    """What changes when a file is edited or replaced (None: unreadable); the registry
    watch, the node sync and the board reload compare these before reading a file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Catalog:
    """Thread-safe holder of the registry in service. `refresh()` does file I/O."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._registry = Registry.empty()
        self._stamp: Stamp | object = object()  # never equal to a real stamp
        self._lock = threading.Lock()

    @property
    def registry(self) -> Registry:
        return self._registry

    def get(self, name: str) -> ResolvedModel | None:
        """The model `name`, or the variant a family name `name` serves."""
        models = self._registry.models
        return models.get(name) or models.get(self._registry.aliases.get(name, ""))

    def broken(self, name: str) -> str | None:
        """Why the registry entry `name` cannot be served, if it is broken."""
        return self._registry.broken.get(name)

    def refresh(self) -> bool:
        """Re-read the registry if its file changed; True when the served models changed.
        A bad file is logged and the last good registry stays in service."""
        path = self._settings.registry_path
        with self._lock:
            stamp = file_stamp(path)
            if stamp == self._stamp:
                return False
            try:
                registry = read_registry(path, self._settings.root)
            except RegistryError as exc:
                self._stamp = stamp
                log.error(
                    "registry %s is unusable, keeping the last good one (%d models): %s",
                    path,
                    len(self._registry.models),
                    exc.message,
                )
                return False
            registry = inspect_registry(self._with_fallback(registry))
            order = cpu_formats()
            aliases = family_aliases(registry.models, self._device, registry.broken, order)
            registry = replace(registry, aliases=aliases)
            for name, why in registry.broken.items():
                if self._registry.broken.get(name) != why:
                    log.warning("registry model %r skipped: %s", name, why)
            changed = registry != self._registry
            self._registry, self._stamp = registry, stamp
        if changed:
            log.info("registry %s: %d models", path, len(registry.models))
        return changed

    def _device(self, model: ResolvedModel) -> str:
        return asked_device(model.entry.device, self._settings.device)

    def _with_fallback(self, registry: Registry) -> Registry:
        fallback = self._settings.model_path
        if registry.models or fallback is None:
            return registry
        name = name_from_path(fallback)
        entry = ModelEntry(path=str(fallback), weight_format="unknown")
        model = ResolvedModel(name=name, entry=entry, path=fallback.resolve())
        return Registry(models={name: model}, broken=registry.broken)


async def watch(
    catalog: Catalog, poll_seconds: float, on_change: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Re-read the registry every `poll_seconds` (in a thread) and await `on_change`
    when the served models changed. A failure is logged and the watch goes on; a
    failed `on_change` is tried again at the next poll, changed or not."""
    owed = False
    while True:
        try:
            owed = await asyncio.to_thread(catalog.refresh) or owed
            if owed and on_change is not None:
                await on_change()
            owed = False
        except Exception:
            log.exception("registry watch failed; retrying")
        await asyncio.sleep(poll_seconds)


def inspect_registry(registry: Registry) -> Registry:
    """Read each model's facts from its files; an entry whose files are missing or
    unreadable joins the broken ones instead of failing the whole registry."""
    models: dict[str, ResolvedModel] = {}
    broken = dict(registry.broken)
    for name, model in registry.models.items():
        try:
            found = inspect_model(model.path)  # always: it also finds missing files
            context = model.entry.context_length or found
        except ModelFileError as exc:
            broken[name] = exc.reason
            continue
        models[name] = replace(model, context_length=context)
    return Registry(models=models, broken=broken)
