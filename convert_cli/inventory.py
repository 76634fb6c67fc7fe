"""What the registry holds, and what a running node has loaded."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from litellm_ov_provider.keys import stored_master_key
from litellm_ov_provider.registry.catalog import inspect_registry
from litellm_ov_provider.registry.entries import read_registry

from .layout import Layout, dir_size


def _key() -> str | None:
    master = os.environ.get("LITELLM_MASTER_KEY")
    return master or os.environ.get("OV_API_KEY") or stored_master_key()


def loaded_models(node: str) -> dict[str, bool] | None:
    """name -> loaded, from the node's /v1/model/info; None when it cannot be asked."""
    key = _key()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        r = httpx.get(f"{node.rstrip('/')}/v1/model/info", headers=headers, timeout=3)
        r.raise_for_status()
        data = r.json()["data"]
    except (httpx.HTTPError, ValueError, KeyError):
        return None
    return {d["model_name"]: bool((d.get("model_info") or {}).get("loaded")) for d in data}


@dataclass(frozen=True)
class Row:
    name: str
    task: str
    weight_format: str
    size_bytes: int | None
    loaded: bool | None  # None: no node could be asked
    path: str
    status: str = "ready"  # or "broken: <why>"
    family: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def inventory(layout: Layout, node: str | None) -> list[Row]:
    node = node or f"http://127.0.0.1:{os.environ.get('PORT', '4000')}"
    loaded = loaded_models(node)
    registry = inspect_registry(read_registry(layout.registry_path, layout.root))
    rows = [
        Row(
            name=name,
            task=model.entry.task,
            weight_format=model.entry.weight_format,
            size_bytes=dir_size(model.path) if model.path.exists() else None,
            loaded=None if loaded is None else loaded.get(name, False),
            path=str(model.path),
            family=model.entry.family,
        )
        for name, model in registry.models.items()
    ]
    rows += [
        Row(name, "-", "-", None, None if loaded is None else False, "", f"broken: {why}")
        for name, why in registry.broken.items()
    ]
    return sorted(rows, key=lambda r: r.name)
