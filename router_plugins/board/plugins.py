"""Finding strategies: entry points, the allowlist, name clashes, per-strategy hooks.

Plugins come from the `litellm_ov.board` entry-point group (our built-ins too, as the
entry point `builtin`). `OV_BOARD_PLUGINS` (comma-separated entry-point names) limits
what loads; unset, every installed plugin loads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pluggy
from pydantic import BaseModel, ConfigDict

from .. import hookspecs
from ..errors import BoardConfigError, PluginError
from . import defaults

GROUP = "litellm_ov.board"
ALLOWLIST_ENV = "OV_BOARD_PLUGINS"
DEFAULTS = "litellm_ov.defaults"
STRATEGY_HOOKS = ("board_route", "board_coordinate", "board_validate")


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str
    plugin: str  # the entry point (plugin) that offered it
    source: str  # the distribution that ships it
    obj: Any
    params_model: type[BaseModel] | None  # the board's `params:` (unknown keys refused)
    specialist_model: type[BaseModel] | None  # each specialist's `strategy_data:`
    hooks: tuple[str, ...]  # the hooks it implements itself
    route: Callable[..., Any]
    coordinate: Callable[..., Any]
    validate: Callable[..., Any]


@dataclass(frozen=True)
class Plugins:
    manager: pluggy.PluginManager
    strategies: dict[str, Strategy]
    sources: dict[str, str]  # plugin name -> distribution

    def strategy(self, name: str) -> Strategy:
        found = self.strategies.get(name)
        if found is None:
            known = ", ".join(sorted(self.strategies)) or "none"
            raise BoardConfigError(f"unknown board strategy {name!r} (loaded: {known})")
        return found


def allowlist(env: dict[str, str] | os._Environ[str] | None = None) -> list[str] | None:
    raw = (env if env is not None else os.environ).get(ALLOWLIST_ENV)
    if raw is None or not raw.strip():
        return None
    return [n.strip() for n in raw.split(",") if n.strip()]


def load(allowed: Sequence[str] | None = None, extra: Sequence[tuple[str, Any]] = ()) -> Plugins:
    """Load plugins (every installed one unless `allowed` names them) plus `extra`
    (name, module-or-object) pairs, then collect and index their strategies."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(defaults, name=DEFAULTS)
    if allowed is None:
        pm.load_setuptools_entrypoints(GROUP)
    else:
        for name in allowed:
            if not pm.load_setuptools_entrypoints(GROUP, name=name):
                raise PluginError(f"{ALLOWLIST_ENV} names {name!r}; no such {GROUP} plugin")
    sources = {
        pm.get_name(p) or "?": f"{d.metadata['name']} {d.version}"
        for p, d in pm.list_plugin_distinfo()
    }
    for name, plugin in extra:
        pm.register(plugin, name=name)
        sources.setdefault(name, "(registered in code)")
    plugins = Plugins(pm, _collect(pm, sources), sources)
    _check_hook_names(pm)
    return plugins


def _check_hook_names(pm: pluggy.PluginManager) -> None:
    """A `hookimpl` that matches no hook (a misspelt `board_rout`) fails loading."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        hooks = ", ".join(n for n in dir(hookspecs) if n.startswith("board_"))
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        raise PluginError(f"plugin {name!r}: {exc}; the hooks are {hooks}") from None


def _collect(pm: pluggy.PluginManager, sources: dict[str, str]) -> dict[str, Strategy]:
    offered: list[tuple[str, Any]] = []
    for impl in pm.hook.board_strategies.get_hookimpls():
        objs: Sequence[Any] = impl.function() or ()  # type: ignore[assignment]
        offered += [(impl.plugin_name, obj) for obj in objs]
    owners: dict[str, str] = {}
    for plugin_name, obj in offered:
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {plugin_name!r} offers a strategy without a name: {obj!r}")
        if name in owners:
            raise PluginError(
                f"strategy {name!r} is offered by two plugins: {owners[name]!r} and "
                f"{plugin_name!r}; uninstall one or leave it out of {ALLOWLIST_ENV}"
            )
        owners[name] = plugin_name
        pm.register(obj, name=f"strategy:{name}")
    strategies = {}
    for plugin_name, obj in offered:
        # A board hears only its own strategy, then the defaults.
        others = [p for p in pm.get_plugins() if p is not obj and p is not defaults]
        own = tuple(h for h in STRATEGY_HOOKS if callable(getattr(obj, h, None)))
        strategies[obj.name] = Strategy(
            name=obj.name,
            description=str(getattr(obj, "description", "") or ""),
            plugin=plugin_name,
            source=sources.get(plugin_name, "(registered in code)"),
            obj=obj,
            params_model=strict(getattr(obj, "Params", None)),
            specialist_model=strict(getattr(obj, "SpecialistData", None)),
            hooks=own,
            route=pm.subset_hook_caller("board_route", remove_plugins=others),
            coordinate=pm.subset_hook_caller("board_coordinate", remove_plugins=others),
            validate=pm.subset_hook_caller("board_validate", remove_plugins=others),
        )
    return strategies


def strict(model: Any) -> type[BaseModel] | None:
    """A strategy's pydantic model with unknown keys refused, unless the model itself
    says what to do with them (`extra="allow"` or `"ignore"`); None for a non-model."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    if "extra" in model.model_config:
        return model
    config = ConfigDict(**{**model.model_config, "extra": "forbid"})
    strict_model: type[BaseModel] = type(
        model.__name__, (model,), {"model_config": config, "__module__": model.__module__}
    )
    return strict_model


@lru_cache(maxsize=1)
def installed() -> Plugins:
    """The process-wide plugin set (loaded on first board request)."""
    return load(allowlist())


def describe(plugins: Plugins) -> list[dict[str, Any]]:
    """One row per plugin: its source, strategies and the hooks it implements."""
    rows = []
    for name, plugin in plugins.manager.list_name_plugin():
        if name.startswith("strategy:") or name == DEFAULTS:
            continue
        hooks = [c.name for c in plugins.manager.get_hookcallers(plugin) or []]
        rows.append(
            {
                "plugin": name,
                "source": plugins.sources.get(name, "?"),
                "hooks": sorted(hooks),
                "strategies": [
                    {"name": s.name, "hooks": list(s.hooks), "description": s.description}
                    for s in plugins.strategies.values()
                    if s.plugin == name
                ],
            }
        )
    return rows
